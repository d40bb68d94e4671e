#!/bin/sh
# Copy the few files the decks load from npm packages into slides/, so the decks work offline.
# Run from the repository root: sh slides/vendor.sh   (needs npm; node_modules is not committed)
set -eu
out=$(pwd)/slides
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund reveal.js@4.6.1 requirejs@2.3.8 jquery@3.7.1 \
  mathjax@2.7.9 @jupyter-widgets/html-manager@1.0.15
m=node_modules
rm -rf "$out/reveal.js" "$out/vendor"

# reveal.js 4: the core, the white theme with its local Source Sans Pro font, the notes plugin.
r=$out/reveal.js
mkdir -p "$r/dist/theme/fonts" "$r/plugin/notes"
cp $m/reveal.js/LICENSE "$r/"
cp $m/reveal.js/dist/reveal.js $m/reveal.js/dist/reveal.css "$r/dist/"
cp $m/reveal.js/dist/theme/white.css "$r/dist/theme/"
mkdir -p "$r/dist/theme/fonts/source-sans-pro"
cp $m/reveal.js/dist/theme/fonts/source-sans-pro/*.woff $m/reveal.js/dist/theme/fonts/source-sans-pro/LICENSE \
  "$r/dist/theme/fonts/source-sans-pro/"
# Its style sheet also lists .eot and .ttf files: every current browser takes the .woff, keep only those.
for face in "regular normal normal" "italic normal italic" "semibold 600 normal" "semibolditalic 600 italic"; do
  set -- $face
  printf "@font-face {\n  font-family: 'Source Sans Pro';\n  src: url('./source-sans-pro-%s.woff') format('woff');\n  font-weight: %s;\n  font-style: %s;\n}\n" "$1" "$2" "$3"
done > "$r/dist/theme/fonts/source-sans-pro/source-sans-pro.css"
cp $m/reveal.js/plugin/notes/notes.js "$r/plugin/notes/"

v=$out/vendor
mkdir -p "$v/mathjax" "$v/html-manager"
cp $m/requirejs/require.js "$v/"
cp $m/jquery/dist/jquery.min.js "$v/"

# MathJax 2 (the API nbconvert's slide template calls): TeX input, CommonHTML output, its web fonts.
( cd $m/mathjax && cp --parents LICENSE MathJax.js config/TeX-AMS_CHTML-full.js config/Safe.js \
    extensions/Safe.js extensions/MathMenu.js extensions/MathZoom.js extensions/MathEvents.js \
    extensions/TeX/*.js jax/element/mml/optable/*.js jax/input/TeX/*.js \
    jax/output/CommonHTML/*.js jax/output/CommonHTML/autoload/*.js jax/output/CommonHTML/fonts/TeX/*.js \
    fonts/HTML-CSS/TeX/woff/*.woff "$v/mathjax/" )

# The widget renderer (saved widget state in a static page; BSD-3-Clause, see its package.json)
# and its icon fonts (woff2 only). It looks for the fonts beside the module it names, relative to
# the deck: in @jupyter-widgets/ (where the controls module would be).
h=$m/@jupyter-widgets/html-manager/dist
w=$out/@jupyter-widgets
rm -rf "$w"
mkdir -p "$w/html-manager/dist"
cp $h/embed-amd.js "$w/html-manager/dist/"
cp $h/*.woff2 "$w/"
du -sh "$r" "$v" "$w"

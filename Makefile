# The course in a few commands. `make lab` to learn, `make test` to check everything.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# the English notebooks, then their Russian twins (notebooks/ru/, README.ru.md)
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb)) $(sort $(wildcard notebooks/ru/*.ipynb))
# JupyterLab refuses to run as root unless told so (containers, CI).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
export PYTHONHASHSEED := 0

.PHONY: install lab test lint unit nbval notebooks sync reproduce bench clean slides browser assignments grade

# One install, reused: redone only when requirements.txt or pyproject.toml change.
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

# The student release (exercises to fill in); the solutions are the instructor notebooks in notebooks/.
lab: install
	$(VENV)/bin/jupyter lab $(ROOT_FLAG) --notebook-dir=release/notebooks $(if $(NO_BROWSER),--no-browser)

# The student release, release/notebooks/, from the instructor notebooks by nbgrader (nbgrader_config.py);
# the Russian edition, notebooks/ru/ -> release/notebooks/ru/, is the assignment "ru" of the folder notebooks/.
assignments: install
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/nbgrader generate_assignment notebooks --no-db --force --log-level=WARN
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/nbgrader generate_assignment ru --no-db --force --log-level=WARN \
	  --CourseDirectory.source_directory=notebooks --CourseDirectory.release_directory=release/notebooks

# Autograde filled-in notebooks with nbgrader and print a score table: make grade NB=release/notebooks/01_pruning.ipynb
# (a notebook in a folder ru/, e.g. release/notebooks/ru/01_pruning.ipynb, is graded against notebooks/ru/)
grade: install
	@test -n "$(NB)" || { echo "usage: make grade NB=path/to/notebook.ipynb"; exit 2; }
	$(PY) -m coursekit.grading $(NB)

# Lint and format check (ruff, pinned), then the unit tests and every notebook's committed
# outputs (nbval; notebooks/ and notebooks/ru/), in one pytest run.
test: install browser lint
	$(PY) -m pytest --nbval --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg tests notebooks

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

unit: install
	$(PY) -m pytest tests

# Re-execute every notebook in place (outputs are committed), then refresh the paired scripts.
notebooks: install sync
	for nb in $(NOTEBOOKS); do \
	  $(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=600 $$nb || exit 1; \
	done
	$(VENV)/bin/jupytext --sync $(NOTEBOOKS)

# Bring each notebook and its py:percent twin in line (the newer one wins).
sync: install
	$(VENV)/bin/jupytext --sync $(NOTEBOOKS)

# The reveal.js decks in slides/ (and slides/ru/ from notebooks/ru/) from the notebooks' slide metadata (committed).
slides: install
	$(PY) slides/build.py

# Debian's Chromium, which tests/test_browser.py drives with Playwright (no browser download).
browser:
	@test -x /usr/bin/chromium || if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	else \
	  echo "The browser tests need Debian's Chromium: sudo apt-get install -y chromium"; exit 1; \
	fi

# Regenerates and overwrites data/ (the shipped results): `git checkout -- data/` restores them.
reproduce: install
	$(PY) -m coursekit.reproduce all --force

bench: install
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) data/mnist/MNIST .pytest_cache

"""The language of what coursekit tells a student, chosen once per notebook: English or Russian.

    import coursekit
    coursekit.set_language("ru")          # in a notebook's setup cell; English is the default
    coursekit.message("check.passed", exercise="magnitude_mask", cases=13)
    # -> 'magnitude_mask: пройдено случаев: 13'

Every text lives in one catalogue, ``CATALOGUE``: ``{key: {"en": text, "ru": text}}``. A text is a
``str.format`` template; both languages of a key use the same ``{fields}``. The checks' texts are
below, with those of the argument checks (coursekit/arguments.py) and the method modules' argument
errors (factorization.py, pruning.py, quantization.py); the widgets add theirs with
``extend`` (coursekit/widgets/_messages.py).
tests/test_translation.py fails when a key lacks a language or the fields of its languages differ.
"""

import string

LANGUAGES = ("en", "ru")
_language = "en"


def set_language(language):
    """Choose the language of coursekit's messages for this Python process: ``"en"`` or ``"ru"``."""
    global _language
    if language not in LANGUAGES:
        raise ValueError(message("language.unknown", language=language, choices=", ".join(LANGUAGES)))
    _language = language


def language():
    """The language chosen by ``set_language`` (``"en"`` until then)."""
    return _language


def message(key, **fields):
    """The text of ``key`` in the chosen language, its ``{fields}`` filled in."""
    return CATALOGUE[key][_language].format(**fields)


def fields(text):
    """The names of the ``{fields}`` of a template: ``fields("{a} of {b:,}") == {"a", "b"}``."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def problems(entries):
    """What is wrong with catalogue ``entries``: a key without one of the languages (or with an
    empty text), or languages whose ``{fields}`` differ. A list of sentences, empty when all is well."""
    found = []
    for key, texts in entries.items():
        missing = [lang for lang in LANGUAGES if not texts.get(lang)]
        if missing:
            found.append(f"{key!r} has no {' and no '.join(missing)} text")
            continue
        names = {lang: fields(texts[lang]) for lang in LANGUAGES}
        if len({frozenset(n) for n in names.values()}) > 1:
            found.append(f"{key!r}: the fields differ between languages: {names}")
    return found


def extend(entries):
    """Add ``{key: {"en": ..., "ru": ...}}`` entries to the catalogue (the widgets' texts).

    Raises ``ValueError`` when an entry is incomplete, or a key is already there with other texts."""
    wrong = problems(entries)
    clashes = [k for k in entries if k in CATALOGUE and CATALOGUE[k] != entries[k]]
    if clashes:
        wrong.append(f"keys already in the catalogue with other texts: {clashes}")
    if wrong:
        raise ValueError("; ".join(wrong))
    CATALOGUE.update(entries)


# ---------------------------------------------------------------- the catalogue
# Keys: "<area>.<what>". Checks of the exercises (coursekit/checks.py) first; the widgets' texts are
# added by coursekit/widgets/_messages.py through ``extend``.

CATALOGUE = {
    # ---- errors
    "language.unknown": {
        "en": "unknown language {language!r}: choose one of {choices}",
        "ru": "неизвестный язык {language!r}: выберите один из {choices}",
    },
    # ---- errors of arguments.py: "<name> must be <allowed>, got <value>", <allowed> built from the
    # phrases below ("an integer" + "from 1 to 8"); ">= 1", "<= 5", "> 0", "< 1" stay as they are
    "arguments.an_integer": {"en": "an integer", "ru": "целое число"},
    "arguments.integers": {"en": "integers", "ru": "целые числа"},
    "arguments.of_integers": {"en": "integers", "ru": "целых чисел"},  # after "a 1-D sequence of"
    "arguments.a_finite_number": {"en": "a finite number", "ru": "конечное число"},
    "arguments.from_to": {"en": "{kind} from {low} to {high}", "ru": "{kind} от {low} до {high}"},
    "arguments.and": {"en": "and", "ru": "и"},
    "arguments.one_of": {"en": "one of {options}", "ru": "одно из значений {options}"},
    "arguments.true_or_false": {"en": "True or False", "ru": "True или False"},
    "arguments.must_be": {
        "en": "{name} must be {allowed}, got {value}",
        "ru": "{name}: ожидается {allowed}, получено {value}",
    },
    "arguments.must_be_of_type": {
        "en": "{name} must be {allowed}, got {value} ({type})",
        "ru": "{name}: ожидается {allowed}, получено {value} ({type})",
    },
    "arguments.sequence": {
        "en": "{name} must be a 1-D sequence of {allowed}",
        "ru": "{name}: ожидается одномерная последовательность {allowed}",
    },
    "arguments.sequence_shape": {
        "en": "{name} must be a 1-D sequence of {allowed}, got an array of shape {shape}",
        "ru": "{name}: ожидается одномерная последовательность {allowed}, получен массив формы {shape}",
    },
    "arguments.must_hold": {
        "en": "{name} must hold {allowed}, got {value}",
        "ru": "{name}: ожидаются {allowed}, получено {value}",
    },
    "arguments.must_hold_dtype": {
        "en": "{name} must hold {allowed}, got {dtype} values",
        "ru": "{name}: ожидаются {allowed}, получены значения типа {dtype}",
    },
    "arguments.finite": {
        "en": "{name} must be finite: it holds nan or inf",
        "ru": "{name}: ожидаются конечные значения, а встречаются nan или inf",
    },
    # ---- figures and errors of the method modules (plots.py, quantization.py)
    "plot.size_axis": {"en": "model size (% of the 32-bit model)", "ru": "размер модели (% от 32-битной)"},
    "plot.test_error_axis": {"en": "test error (%)", "ru": "ошибка на тесте (%)"},
    "plot.baseline_32bit": {"en": "32-bit baseline", "ru": "исходная 32-битная модель"},
    "quantization.bits_range": {
        "en": "bits must be an integer from 1 to 8 (2 to 256 shared values), got {bits!r}",
        "ru": "bits должно быть целым числом от 1 до 8 (от 2 до 256 общих значений), получено {bits!r}",
    },
    "quantization.unknown_init": {
        "en": "unknown init {init!r}: choose one of {inits} or pass k centroids",
        "ru": "неизвестная инициализация {init!r}: выберите одну из {inits} или передайте k центроидов",
    },
    "quantization.init_count": {
        "en": "init has {count} centroids, expected k = {k}",
        "ru": "в init центроидов: {count}, а ожидается k = {k}",
    },
    "quantization.no_values": {
        "en": "kmeans_1d needs at least one value",
        "ru": "kmeans_1d: нужно хотя бы одно значение",
    },  # "x must be finite: it holds nan or inf" is arguments.finite's text, key "arguments.finite"
    # ---- errors of factorization.py's and pruning.py's arguments
    "factorization.rank": {
        "en": "rank must be an integer in [1, {high}] for a {n} x {m} matrix, got {rank!r}",
        "ru": "rank: для матрицы {n} x {m} ожидается целое число в диапазоне [1, {high}], получено {rank!r}",
    },
    "factorization.energy": {
        "en": "energy must be a fraction in (0, 1], got {energy!r}",
        "ru": "energy: ожидается доля в диапазоне (0, 1], получено {energy!r}",
    },
    "factorization.singular_values": {
        "en": "singular_values must be a non-empty 1-D tensor of numbers >= 0",
        "ru": "singular_values: ожидается непустой одномерный тензор чисел >= 0",
    },
    "factorization.no_layer": {
        "en": "the model has no layer {name!r}; its layers are {layers}",
        "ru": "в модели нет слоя {name!r}; её слои: {layers}",
    },
    "factorization.not_linear": {
        "en": "layer {name} of the model is {kind}, not nn.Linear",
        "ru": "слой {name} модели — {kind}, а не nn.Linear",
    },
    "factorization.fraction": {
        "en": "fraction of the full rank must be in (0, 1], got {fraction!r}",
        "ru": "доля полного ранга: ожидается число в диапазоне (0, 1], получено {fraction!r}",
    },
    "pruning.sparsity": {
        "en": "sparsity must be a fraction in [0, 1] (e.g. 0.9 for 90%), not {sparsity!r}",
        "ru": "sparsity: ожидается доля в диапазоне [0, 1] (например, 0.9 для 90%), а не {sparsity!r}",
    },
    "pruning.unknown_layers": {
        "en": "unknown layers {unknown}; this model has {layers}",
        "ru": "неизвестные слои {unknown}; слои этой модели: {layers}",
    },
    "pruning.quality_layers": {
        "en": "quality names unknown layers {unknown}; this model has {layers}",
        "ru": "в quality указаны неизвестные слои {unknown}; слои этой модели: {layers}",
    },
    "pruning.keep_layers": {
        "en": "keep rates given for {given}, but the layers are {layers}",
        "ru": "доли оставляемых весов (keep) заданы для {given}, а слои модели: {layers}",
    },
    # ---- checks: the line a check prints
    "check.passed": {
        "en": "{exercise}: passed {cases} cases",
        "ru": "{exercise}: пройдено случаев: {cases}",
    },
    "check.not_done": {
        "en": "{exercise}: not done yet",
        "ru": "{exercise}: ещё не сделано",
    },
    "check.fails": {
        "en": "{exercise}: case {number} of {cases} fails. Input: {input}. {problem}.",
        "ru": "{exercise}: случай {number} из {cases} не проходит. Вход: {input}. {problem}.",
    },
    "check.hint": {
        "en": " Hint: {hint}",
        "ru": " Подсказка: {hint}",
    },
    "check.raised": {
        "en": "{exercise}: case {number} of {cases} raised {error}: {text}. Input: {input}.",
        "ru": "{exercise}: случай {number} из {cases} вызвал исключение {error}: {text}. Вход: {input}.",
    },
    # ---- checks: how a value is shown, and the problems every check can find
    "check.your_function": {"en": "your function", "ru": "ваша функция"},
    "check.tensor_of_shape": {"en": "a {dtype} tensor of shape {shape}", "ru": "тензор {dtype} формы {shape}"},
    "check.many_values": {"en": "a {kind} of {count} values", "ru": "{kind} из {count} значений"},
    "check.not_a_tensor": {
        "en": "{what} returned {kind}, not a tensor or an array ({error})",
        "ru": "{what}: получен {kind}, а не тензор или массив ({error})",
    },
    "check.not_a_number": {
        "en": "expected a number, got {kind} {value}",
        "ru": "ожидалось число, получено {kind} {value}",
    },
    "check.expected_got": {"en": "Expected {expected}, got {got}", "ru": "Ожидалось {expected}, получено {got}"},
    "check.expected_shape": {
        "en": "Expected shape {expected}, got shape {got}",
        "ru": "Ожидалась форма {expected}, получена форма {got}",
    },
    "check.expected_entry": {
        "en": "Expected {expected}, got {got} (entry {where}: expected {e}, got {g})",
        "ru": "Ожидалось {expected}, получено {got} (элемент {where}: ожидалось {e}, получено {g})",
    },
    # ---- 00: why compress
    "check.count.integer": {
        "en": "Expected an integer, got {kind}",
        "ru": "Ожидалось целое число, получено {kind}",
    },
    "check.count.problem": {
        "en": "Expected {expected:,} parameters, got {got:,}",
        "ru": "Ожидалось параметров: {expected:,}, получено: {got:,}",
    },
    "check.count.hint": {
        "en": "count every parameter tensor of the model (model.parameters()), biases and all layer types included",
        "ru": "считайте каждый тензор параметров модели (model.parameters()), включая смещения (bias) и слои "
        "всех типов",
    },
    "check.fp32.hint": {
        "en": "32 bits are 4 bytes; a MB here is 2**20 bytes, as in the table above",
        "ru": "32 бита — это 4 байта; МБ здесь — 2**20 байт, как в таблице выше",
    },
    "check.dram.hint": {
        "en": "one 32-bit DRAM read per weight, at the price in papers.ENERGY_PJ, in picojoules (1 pJ = 1e-12 J)",
        "ru": "одно 32-битное чтение из DRAM на вес по цене из papers.ENERGY_PJ, в пикоджоулях (1 пДж = 1e-12 Дж)",
    },
    # ---- 01: pruning
    "check.mask.values": {
        "en": "Expected a mask of 0s and 1s (or True/False), got other values",
        "ru": "Ожидалась маска из 0 и 1 (или True/False), получены другие значения",
    },
    "check.mask.count": {
        "en": "Expected {expected} of {total} weights removed (round(sparsity x n)), got {removed}",
        "ru": "Ожидалось удалить {expected} из {total} весов (round(sparsity x n)), удалено {removed}",
    },
    "check.mask.count_hint": {
        "en": "count k first, then remove exactly k weights, even when several weights have the same magnitude",
        "ru": "сначала вычислите k, затем удалите ровно k весов, даже если у нескольких весов одинаковый модуль",
    },
    "check.mask.order": {
        "en": "A weight of magnitude {gone} is removed while one of {kept} is kept",
        "ru": "Удалён вес с модулем {gone}, а вес с модулем {kept} оставлен",
    },
    "check.mask.order_hint": {
        "en": "remove the smallest magnitudes |w|, not the smallest values",
        "ru": "удаляйте веса с наименьшим модулем |w|, а не с наименьшим значением",
    },
    "check.mask.shape_hint": {"en": "the mask has the weight's shape", "ru": "у маски та же форма, что у весов"},
    "check.quality.problem": {
        "en": "Expected {expected} weights kept, got {got} (or others)",
        "ru": "Ожидалось оставить весов: {expected}, оставлено: {got} (или не те)",
    },
    "check.quality.hint": {
        "en": "keep a weight when its magnitude is strictly above quality x weight.std() (the std of w, not of |w|)",
        "ru": "оставляйте вес, когда его модуль строго больше quality x weight.std() (std от w, а не от |w|)",
    },
    "check.global.keys": {
        "en": "Expected a dict with the keys {keys}, got {got}",
        "ru": "Ожидался словарь с ключами {keys}, получено {got}",
    },
    "check.global.mask_named": {"en": "mask {name!r}", "ru": "маска {name!r}"},
    "check.global.shape_hint": {
        "en": "the mask of {name} has the shape of its weight",
        "ru": "маска слоя {name} той же формы, что и его веса",
    },
    "check.global.hint": {
        "en": "; one threshold for all the layers together: sort all the magnitudes as one list",
        "ru": "; один порог для всех слоёв вместе: отсортируйте все модули как один список",
    },
    "check.sgd.pruned": {
        "en": "A pruned weight (mask 0) is no longer zero after the step",
        "ru": "Удалённый вес (маска 0) после шага уже не ноль",
    },
    "check.sgd.pruned_hint": {"en": "apply the mask after the step", "ru": "примените маску после шага"},
    "check.sgd.hint": {
        "en": "SGD steps against the gradient: w - lr x grad",
        "ru": "SGD делает шаг против градиента: w - lr x grad",
    },
    # ---- 02: quantization
    "check.linear_init.hint": {
        "en": "k values, the first the smallest weight, the last the largest (endpoints included)",
        "ru": "k значений: первое — наименьший вес, последнее — наибольший (концы включены)",
    },
    "check.density_init.hint": {
        "en": "evenly spaced on the y-axis of the CDF: the quantiles at (i + 0.5) / k, interpolated between weights",
        "ru": "равномерно по оси y функции распределения (CDF): квантили уровней (i + 0.5) / k с интерполяцией "
        "между весами",
    },
    "check.lloyd.nan": {"en": "Got NaN in {got}", "ru": "Получен NaN в {got}"},
    "check.lloyd.nan_hint": {
        "en": "a centroid whose cluster is empty keeps its value",
        "ru": "центроид с пустым кластером сохраняет своё значение",
    },
    "check.lloyd.hint": {
        "en": "assign each weight to the centroid at the smallest |w - c|, then move each centroid to its "
        "cluster's mean",
        "ru": "отнесите каждый вес к центроиду с наименьшим |w - c|, затем переместите каждый центроид в среднее "
        "его кластера",
    },
    "check.rate.hint": {
        "en": "n weights of b bits become n indices of log2(k) bits, plus a codebook of k values of b bits",
        "ru": "n весов по b бит становятся n индексами по log2(k) бит плюс кодовая книга из k значений по b бит",
    },
    "check.codebook.hint": {
        "en": "the gradient of shared value j is the sum (not the mean) of the gradients of the weights with "
        "index j; k values",
        "ru": "градиент общего значения j — сумма (не среднее) градиентов весов с индексом j; всего k значений",
    },
    # ---- 03: Huffman coding
    "check.entropy.hint": {
        "en": "p = count / total over the symbols that occur (skip zero counts), H = -sum p log2 p",
        "ru": "p = count / total по встречающимся символам (нулевые счётчики пропустите), H = -sum p log2 p",
    },
    "check.lengths.count": {
        "en": "Expected {expected} lengths (one per symbol), got {got}",
        "ru": "Ожидалось длин: {expected} (по одной на символ), получено: {got}",
    },
    "check.lengths.absent": {
        "en": "Expected lengths {expected}, got {got}",
        "ru": "Ожидались длины {expected}, получено {got}",
    },
    "check.lengths.absent_hint": {
        "en": "a symbol that never occurs gets length 0; every symbol that occurs gets at least 1 bit, even a lone one",
        "ru": "символ, который не встречается, получает длину 0; каждый встречающийся символ — не меньше 1 бита, "
        "даже единственный",
    },
    "check.lengths.kraft": {
        "en": "Lengths {lengths} break Kraft's inequality: no prefix code has them",
        "ru": "Длины {lengths} нарушают неравенство Крафта: таких длин нет ни у одного префиксного кода",
    },
    "check.lengths.total": {
        "en": "Expected {best} bits in all (e.g. lengths {expected}), got {total} bits with {got}",
        "ru": "Ожидалось всего {best} бит (например, длины {expected}), получено {total} бит с длинами {got}",
    },
    "check.lengths.hint": {
        "en": "merge the two subtrees with the SMALLEST counts (heapq.heappop twice); a leaf's length is its depth",
        "ru": "объединяйте два поддерева с НАИМЕНЬШИМИ счётчиками (дважды heapq.heappop); длина листа — его глубина",
    },
    "check.canonical.shape_hint": {"en": "one code per symbol", "ru": "по одному коду на символ"},
    "check.canonical.hint": {
        "en": "sort the symbols by (length, symbol); the first gets 0; next = (previous + 1) shifted left by the "
        "length increase",
        "ru": "отсортируйте символы по (длина, символ); первый получает 0; следующий = (предыдущий + 1), "
        "сдвинутый влево на прирост длины",
    },
    "check.gaps.pair": {
        "en": "Expected a pair (gaps, is_filler), got {kind}",
        "ru": "Ожидалась пара (gaps, is_filler), получено {kind}",
    },
    "check.gaps.hint": {
        "en": "count each gap from the previous entry, the first from a virtual entry at -1; {bits} bits hold "
        "gaps 1 .. {largest}; a longer gap first gets filler entries of the longest gap",
        "ru": "отсчитывайте каждый промежуток от предыдущей записи, первый — от воображаемой записи в позиции -1; "
        "{bits} бит вмещают промежутки 1 .. {largest}; перед более длинным промежутком идут записи-заполнители "
        "(filler) с наибольшим промежутком",
    },
    "check.gaps.gaps": {
        "en": "Expected gaps {expected}, got {got}",
        "ru": "Ожидались промежутки {expected}, получено {got}",
    },
    "check.gaps.filler": {
        "en": "Expected is_filler {expected}, got {got}",
        "ru": "Ожидалось is_filler {expected}, получено {got}",
    },
    "check.layer_bits.hint": {
        "en": "stored entries = surviving weights + filler entries; each takes bits + index_bits; then the "
        "codebook: 2**bits floats of 32 bits",
        "ru": "хранимые записи = оставшиеся веса + записи-заполнители; каждая занимает bits + index_bits; плюс "
        "кодовая книга: 2**bits чисел по 32 бита",
    },
    # ---- 04: low-rank factorization
    "check.factors.pair": {
        "en": "Expected a pair (A, B), got {kind}",
        "ru": "Ожидалась пара (A, B), получено {kind}",
    },
    "check.factors.hint": {
        "en": "torch.linalg.svd(weight, full_matrices=False) gives U, S, Vh; keep the first rank of each, S goes "
        "into A",
        "ru": "torch.linalg.svd(weight, full_matrices=False) даёт U, S, Vh; оставьте у каждого первые rank, "
        "S войдёт в A",
    },
    "check.break_even.hint": {
        "en": "the factors of rank d hold (n + m) d numbers, the matrix n m; solve for d (a float, not rounded)",
        "ru": "множители ранга d содержат (n + m) d чисел, матрица — n m; найдите d (дробное число, без округления)",
    },
    "check.factorized.module": {
        "en": "Expected an nn.Module (an nn.Sequential of two nn.Linear), got {kind}",
        "ru": "Ожидался nn.Module (nn.Sequential из двух nn.Linear), получено {kind}",
    },
    "check.factorized.count": {
        "en": "Expected {expected} parameters, got {got}",
        "ru": "Ожидалось параметров: {expected}, получено: {got}",
    },
    "check.factorized.hint": {
        "en": "first nn.Linear(m, rank, bias=False) holding B, then nn.Linear(rank, n) holding A and the layer's bias",
        "ru": "сначала nn.Linear(m, rank, bias=False) с B, затем nn.Linear(rank, n) с A и смещением (bias) слоя",
    },
    "check.energy.rank": {
        "en": "Expected rank {expected}, got {got}",
        "ru": "Ожидался ранг {expected}, получено {got}",
    },
    "check.energy.hint": {
        "en": "energy counts squared singular values; the smallest d with sum(S[:d]**2) >= energy x sum(S**2) "
        "(ranks start at 1)",
        "ru": "энергия считается по квадратам сингулярных чисел; наименьшее d, при котором sum(S[:d]**2) >= "
        "energy x sum(S**2) (ранги начинаются с 1)",
    },
    # ---- 05: structured pruning
    "check.taylor.hint": {
        "en": "per example: |mean over the M positions of z x dC/dz| (abs after the mean over positions), then "
        "the mean over the N examples",
        "ru": "для каждого примера: |среднее по M позициям от z x dC/dz| (модуль после усреднения по позициям), "
        "затем среднее по N примерам",
    },
    "check.l2.hint": {
        "en": "divide by the Euclidean (L2) norm of the layer's scores",
        "ru": "разделите на евклидову (L2) норму оценок слоя",
    },
    "check.maps.pairs": {
        "en": "Expected a list of (layer, index) pairs, got {got}",
        "ru": "Ожидался список пар (layer, index), получено {got}",
    },
    "check.maps.problem": {
        "en": "Expected {expected} maps; yours lack {missing} and add {extra}",
        "ru": "Ожидалось карт: {expected}; у вас не хватает {missing} и лишние {extra}",
    },
    "check.maps.hint": {
        "en": "divide each layer's scores by their own L2 norm, then take the lowest over all layers; skip a map "
        "when it is the last one left in its layer",
        "ru": "разделите оценки каждого слоя на их собственную L2-норму, затем возьмите наименьшие по всем слоям; "
        "пропустите карту, если она последняя оставшаяся в своём слое",
    },
    "check.units.pair": {
        "en": "Expected a pair of nn.Linear, got {kind}",
        "ru": "Ожидалась пара nn.Linear, получено {kind}",
    },
    "check.units.layer": {
        "en": "Expected layer {index} to be an nn.Linear, got {kind}",
        "ru": "Ожидалось, что слой {index} — nn.Linear, получено {kind}",
    },
    "check.units.bias": {
        "en": "Layer {index}: expected a bias, got none",
        "ru": "Слой {index}: ожидалось смещение (bias), его нет",
    },
    "check.units.hint": {
        "en": "rows of first.weight and entries of first.bias for the kept units; columns of second.weight; "
        "second.bias as is",
        "ru": "у first — строки first.weight и элементы first.bias оставленных нейронов; у second — столбцы "
        "second.weight; second.bias без изменений",
    },
}

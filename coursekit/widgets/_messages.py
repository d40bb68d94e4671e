"""Every text the panels show, in English and Russian (``coursekit.set_language``).

Keys are ``"widgets.<panel>.<what>"``; both languages of a key use the same ``{fields}``
(``tests/test_translation.py`` checks it). A panel reads its texts when it is built and when it
redraws, so call ``coursekit.set_language("ru")`` before building it. Terms: прореживание =
pruning, квантование = quantization, разделение весов = weight sharing, низкоранговое
разложение = low-rank factorization, дообучение = retraining / fine-tuning, ошибка на тесте =
test error.
"""

from ..i18n import extend

MESSAGES = {
    # ---- shared by the panels (_live.py)
    "widgets.model.yours": {"en": "your model", "ru": "ваша модель"},
    "widgets.test_error_axis": {"en": "test error (%)", "ru": "ошибка на тесте (%)"},
    "widgets.weight_value": {"en": "weight value", "ru": "значение веса"},
    "widgets.cannot_compute": {"en": "cannot compute:", "ru": "не удаётся вычислить:"},
    "widgets.problem.not_module": {
        "en": "model must be a torch nn.Module, got {type}",
        "ru": "model должна быть torch nn.Module, а не {type}",
    },
    "widgets.problem.no_layer": {
        "en": "this model has no layer to compress: it needs nn.Linear or nn.Conv2d layers (it has {has})",
        "ru": "в этой модели нет слоя для сжатия: нужны слои nn.Linear или nn.Conv2d (в ней: {has})",
    },
    "widgets.problem.nothing": {"en": "none", "ru": "ничего"},
    "widgets.problem.model_failed": {
        "en": "the model failed on {shape} MNIST test images: {error}: {text}",
        "ru": "модель не справилась с тестовыми изображениями MNIST {shape}: {error}: {text}",
    },
    "widgets.problem.raised": {
        "en": "{call} raised {error}: {text} (on {what})",
        "ru": "{call} вызвала исключение {error}: {text} (на {what})",
    },
    "widgets.problem.exception": {"en": "{error}: {text}", "ru": "{error}: {text}"},
    "widgets.problem.not_tensor": {
        "en": "{name} returned {type} for {what}, not a tensor",
        "ru": "{name} вернула {type} на {what}, а не тензор",
    },
    "widgets.problem.complex": {
        "en": "{name} returned dtype {dtype} for {what}: expected real numbers",
        "ru": "{name} вернула dtype {dtype} на {what}: ожидались вещественные числа",
    },
    "widgets.problem.unknown_control": {
        "en": "unknown control {name!r}: this panel has {controls}",
        "ru": "нет элемента управления {name!r}: у этой панели есть {controls}",
    },
    "widgets.problem.not_a_pair": {
        "en": "{name} returned {type} for {what}: expected a pair {pair}",
        "ru": "{name} вернула {type} на {what}: ожидалась пара {pair}",
    },
    "widgets.what.layer": {"en": "layer {layer} {shape}", "ru": "слое {layer} {shape}"},
    "widgets.no_precomputed": {
        "en": " &nbsp; (no precomputed curve: run <code>python -m coursekit.reproduce {chapter}</code>)",
        "ru": " &nbsp; (предвычисленной кривой нет: запустите <code>python -m coursekit.reproduce {chapter}</code>)",
    },
    "widgets.live": {"en": "<b>live</b>", "ru": "<b>вживую</b>"},
    "widgets.on_images": {"en": " on {images:,} images", "ru": " на {images:,} изображениях"},
    "widgets.test_error_on": {
        "en": "test error <b>{error:.2f}%</b> on {images:,} test images",
        "ru": "ошибка на тесте <b>{error:.2f}%</b> на {images:,} тестовых изображениях",
    },
    # ---- pruning (notebook 01)
    "widgets.pruning.sparsity": {"en": "sparsity %", "ru": "прорежено %"},
    "widgets.pruning.threshold": {"en": "threshold", "ru": "порог"},
    "widgets.pruning.layer": {"en": "layer-wise", "ru": "по слоям"},
    "widgets.pruning.global": {"en": "global", "ru": "общий"},
    "widgets.pruning.xlabel": {"en": "weights pruned (%)", "ru": "удалено весов (%)"},
    "widgets.pruning.live_curve": {
        "en": "live: pruned now, no retraining",
        "ru": "вживую: прорежено сейчас, без дообучения",
    },
    "widgets.pruning.precomputed_curve": {
        "en": "precomputed (reproduce): pruned + retrained",
        "ru": "предвычислено (reproduce): прореживание + дообучение",
    },
    "widgets.pruning.histogram_title": {
        "en": "nonzero weights of all layers (live)",
        "ru": "ненулевые веса всех слоёв (вживую)",
    },
    "widgets.pruning.title": {"en": "{model}, {scope} threshold", "ru": "{model}, порог: {scope}"},
    "widgets.pruning.yours": {"en": ", your prune function", "ru": ", ваша функция прореживания"},
    "widgets.pruning.label": {
        "en": "{live}: {percent}% of weights pruned ({scope}{yours}), no retraining: {error}{retrained}",
        "ru": "{live}: удалено {percent}% весов ({scope}{yours}), без дообучения: {error}{retrained}",
    },
    "widgets.pruning.retrained": {
        "en": " &nbsp; <i>precomputed, retrained at {percent}%: {error:.2f}%{on}</i>",
        "ru": " &nbsp; <i>предвычислено, с дообучением при {percent}%: {error:.2f}%{on}</i>",
    },
    "widgets.pruning.sizes": {
        "en": "nonzero weights {nonzero:,} &nbsp; dense {dense:.1f} KB &nbsp; sparse (CSR) {csr:.1f} KB",
        "ru": "ненулевых весов {nonzero:,} &nbsp; плотно {dense:.1f} КБ &nbsp; разреженно (CSR) {csr:.1f} КБ",
    },
    "widgets.pruning.bad_shape": {
        "en": "{name}(weight, {sparsity:g}) returned shape {got} for {what}, expected the weight's shape {expected}",
        "ru": "{name}(weight, {sparsity:g}) вернула форму {got} на {what}, ожидалась форма веса {expected}",
    },
    "widgets.pruning.not_binary": {
        "en": "{name}(weight, {sparsity:g}) returned values other than 0 and 1 for {what}",
        "ru": "{name}(weight, {sparsity:g}) вернула на {what} значения, отличные от 0 и 1",
    },
    "widgets.pruning.all_weights": {
        "en": "all {count:,} weights at once (global)",
        "ru": "всех {count:,} весах сразу (общий порог)",
    },
    "widgets.pruning.bad_scope": {
        "en": "scope={scope!r}: choose 'layer' (one threshold per layer) or 'global' (one for all)",
        "ru": "scope={scope!r}: выберите 'layer' (свой порог у каждого слоя) или 'global' (один на все)",
    },
    "widgets.pruning.bad_sparsity": {
        "en": "sparsity={sparsity!r}: give a percentage from 0 to 99",
        "ru": "sparsity={sparsity!r}: укажите процент от 0 до 99",
    },
    # ---- quantization (notebook 02)
    "widgets.quantization.fc_bits": {"en": "fc bits", "ru": "биты fc"},
    "widgets.quantization.conv_bits": {"en": "conv bits", "ru": "биты conv"},
    "widgets.quantization.init": {"en": "init", "ru": "иниц."},
    "widgets.quantization.init.random": {"en": "random", "ru": "случайная"},
    "widgets.quantization.init.density": {"en": "density", "ru": "по плотности"},
    "widgets.quantization.init.linear": {"en": "linear", "ru": "линейная"},
    "widgets.quantization.init.kmeans++": {"en": "kmeans++", "ru": "kmeans++"},
    "widgets.quantization.xlabel": {"en": "bits per fc weight", "ru": "бит на вес fc"},
    "widgets.quantization.live_curve": {
        "en": "live: quantized now, no training",
        "ru": "вживую: квантовано сейчас, без обучения",
    },
    "widgets.quantization.precomputed_curve": {
        "en": "precomputed (reproduce): fine-tuned codebooks",
        "ru": "предвычислено (reproduce): дообученные кодовые книги",
    },
    "widgets.quantization.histogram_title": {
        "en": "{layer}, {count:,} weights: shared values (red)",
        "ru": "{layer}, {count:,} весов: общие значения (красные)",
    },
    "widgets.quantization.title": {"en": "{model}, init {init}", "ru": "{model}, инициализация {init}"},
    "widgets.quantization.title_conv": {
        "en": "{model}, init {init}, conv {bits} bits",
        "ru": "{model}, инициализация {init}, conv: {bits} бит",
    },
    "widgets.quantization.bits": {"en": "fc {bits} bits", "ru": "fc {bits} бит"},
    "widgets.quantization.bits_conv": {
        "en": "fc {bits} bits, conv {conv_bits} bits",
        "ru": "fc {bits} бит, conv {conv_bits} бит",
    },
    "widgets.quantization.yours": {"en": ", your k-means", "ru": ", ваш k-means"},
    "widgets.quantization.label": {
        "en": "{live}: weight sharing, {bits}, init {init}{yours}, no training: {error}{fine}",
        "ru": "{live}: разделение весов, {bits}, инициализация {init}{yours}, без обучения: {error}{fine}",
    },
    "widgets.quantization.fine_tuned": {
        "en": " &nbsp; <i>precomputed, fine-tuned: {error:.2f}%{on}</i>",
        "ru": " &nbsp; <i>предвычислено, с дообучением: {error:.2f}%{on}</i>",
    },
    "widgets.quantization.sizes": {
        "en": "{kb:.1f} KB, {rate:.1f}x smaller than float32 (DC Eq. 1, biases included)",
        "ru": "{kb:.1f} КБ, в {rate:.1f} раза меньше float32 (DC, формула 1, со смещениями)",
    },
    "widgets.quantization.warmed": {
        "en": " &nbsp; k-means codebooks of all {settings} settings (bits x init) computed when the panel was built",
        "ru": " &nbsp; кодовые книги k-means всех {settings} настроек (биты x инициализация) "
        "вычислены при создании панели",
    },
    "widgets.quantization.bad_init": {
        "en": "init={init!r}: choose one of {inits}",
        "ru": "init={init!r}: выберите одно из {inits}",
    },
    "widgets.quantization.too_many": {
        "en": "{name} returned a codebook of {count} values for {what}: at most k = {k}",
        "ru": "{name} вернула кодовую книгу из {count} значений на {what}: не больше k = {k}",
    },
    "widgets.quantization.bad_indices_shape": {
        "en": "{name} returned indices of shape {got} for {what}, expected {expected}",
        "ru": "{name} вернула индексы формы {got} на {what}, ожидалась {expected}",
    },
    "widgets.quantization.bad_indices_dtype": {
        "en": "{name} returned indices of dtype {dtype} for {what}: expected integers",
        "ru": "{name} вернула индексы типа {dtype} на {what}: ожидались целые числа",
    },
    "widgets.quantization.indices_range": {
        "en": "{name} returned indices outside 0..{last} for {what}",
        "ru": "{name} вернула индексы вне 0..{last} на {what}",
    },
    "widgets.quantization.nonzero": {
        "en": "layer {layer} ({count:,} nonzero weights)",
        "ru": "слое {layer} ({count:,} ненулевых весов)",
    },
    # ---- factorization (notebook 04)
    "widgets.factorization.rank": {"en": "rank kept %", "ru": "ранг, %"},
    "widgets.factorization.xlabel": {"en": "rank kept (% of full rank)", "ru": "оставлено ранга (% от полного)"},
    "widgets.factorization.live_curve": {
        "en": "live: truncated SVD now, no training",
        "ru": "вживую: усечённое SVD сейчас, без обучения",
    },
    "widgets.factorization.precomputed_curve": {
        "en": "precomputed (reproduce): fine-tuned",
        "ru": "предвычислено (reproduce): с дообучением",
    },
    "widgets.factorization.title": {
        "en": "{model}, low rank: {layers}",
        "ru": "{model}, разложение {layers}",
    },
    "widgets.factorization.spectrum_xlabel": {"en": "rank (% of full rank)", "ru": "ранг (% от полного)"},
    "widgets.factorization.spectrum_ylabel": {"en": "singular value", "ru": "сингулярное число"},
    "widgets.factorization.spectrum_title": {
        "en": "singular values, the cut (live)",
        "ru": "сингулярные числа и отсечение (вживую)",
    },
    "widgets.factorization.yours": {"en": " (your factors)", "ru": " (ваша функция factors)"},
    "widgets.factorization.label": {
        "en": "{live}: low-rank, ranks {ranks}{yours}, no training: {error}{fine}",
        "ru": "{live}: низкоранговое разложение, ранги {ranks}{yours}, без обучения: {error}{fine}",
    },
    "widgets.factorization.fine_tuned": {
        "en": " &nbsp; <i>precomputed, fine-tuned: {error:.2f}%{on}</i>",
        "ru": " &nbsp; <i>предвычислено, с дообучением: {error:.2f}%{on}</i>",
    },
    "widgets.factorization.sizes": {
        "en": "{parameters:,} parameters &nbsp; {kb:.1f} KB ({size})",
        "ru": "{parameters:,} параметров &nbsp; {kb:.1f} КБ ({size})",
    },
    "widgets.factorization.smaller": {
        "en": "{ratio:.1f}x smaller than dense",
        "ru": "в {ratio:.1f} раза меньше плотной",
    },
    "widgets.factorization.larger": {
        "en": "{ratio:.2f}x LARGER than dense",
        "ru": "в {ratio:.2f} раза БОЛЬШЕ плотной",
    },
    "widgets.factorization.no_layer": {
        "en": "no layer to factorize: factorize needs Linear layers other than the classifier; "
        "this model's Linear layers: {linear}",
        "ru": "нет слоя для разложения: нужны слои Linear, кроме классификатора; слои Linear этой модели: {linear}",
    },
    "widgets.factorization.unknown_layers": {
        "en": "no layer to factorize: layers {unknown} are not Linear layers other than the classifier; "
        "this model's Linear layers: {linear}",
        "ru": "нет слоя для разложения: слои {unknown} не являются слоями Linear, кроме классификатора; "
        "слои Linear этой модели: {linear}",
    },
    "widgets.factorization.bad_shapes": {
        "en": "{name}(weight, {rank}) returned A {got_a} and B {got_b} for {what}, expected A {want_a} and B {want_b}",
        "ru": "{name}(weight, {rank}) вернула A {got_a} и B {got_b} на {what}, ожидались A {want_a} и B {want_b}",
    },
    "widgets.factorization.bad_dtypes": {
        "en": "{name} returned dtypes {a} and {b} for {what}: expected floating point",
        "ru": "{name} вернула типы {a} и {b} на {what}: ожидались числа с плавающей точкой",
    },
    "widgets.factorization.bad_rank": {
        "en": "rank={rank!r}: give a percentage of the full rank from 1 to 100",
        "ru": "rank={rank!r}: укажите процент полного ранга от 1 до 100",
    },
    # ---- structured pruning (notebook 05)
    "widgets.structured.kept": {"en": "maps kept", "ru": "оставлено карт"},
    "widgets.structured.xlabel": {"en": "MFLOPs per image", "ru": "MFLOP на изображение"},
    "widgets.structured.title": {"en": "LeNet-5, Taylor pruning", "ru": "LeNet-5, прореживание по Тейлору"},
    "widgets.structured.label": {
        "en": "maps kept: conv1 {conv1}/20, conv2 {conv2}/50 &nbsp; test error {error:.2f}% &nbsp; "
        "{mflops:.2f} MFLOPs &nbsp; {latency:.1f} ms per 256 images",
        "ru": "оставлено карт: conv1 {conv1}/20, conv2 {conv2}/50 &nbsp; ошибка на тесте {error:.2f}% &nbsp; "
        "{mflops:.2f} MFLOP &nbsp; {latency:.1f} мс на 256 изображений",
    },
    "widgets.structured.bad_kept": {
        "en": "kept={kept!r}: the fraction of feature maps kept must be between {low:.3f} "
        "(the last precomputed step) and 1",
        "ru": "kept={kept!r}: доля оставленных карт признаков должна быть от {low:.3f} "
        "(последний предвычисленный шаг) до 1",
    },
}

extend(MESSAGES)

# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# # Квантование: разделение весов через k-means
#
# Deep Compression (Han, Mao, Dally 2016), этап 2. После прореживания каждый оставшийся вес всё ещё
# 32-битное число с плавающей точкой. Но слою не нужно 2^32 различных значений: хватит нескольких десятков.
#
# 1. **кластеризовать** веса слоя в k = 2^b групп с помощью k-means; каждая группа разделяет одно значение;
# 2. **хранить** b-битный индекс на каждый вес плюс кодовую книгу (codebook) из k 32-битных float;
# 3. **дообучить** (fine-tune) разделяемые значения: индексы остаются неизменными.
#
# Всё здесь работает на LeNet-300-100 и LeNet-5; дорогие запуски (дообучение, сетки) выполнены
# командой `python -m coursekit.reproduce quantization` и загружаются из `data/quantization/`.

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: этап 2 Deep Compression: слою не нужно 2^32 значений, хватит нескольких десятков общих: кластеризовать, хранить b-битные индексы и кодовую книгу, дообучить кодовую книгу. Спросите аудиторию: как вы думаете, сколько различных значений нужно обученному слою? Сошлитесь на: Deep Compression, разд. 3 и рис. 3. Время: 1,5 мин.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Перед началом
#
# **Вы научитесь**
#
# - запускать k-means Ллойда на весах одного слоя (шаги назначения и обновления);
# - вычислять степень сжатия Deep Compression (формула 1) с учётом кодовой книги;
# - задавать начальные центроиды линейным правилом и правилом плотности и объяснять, какое работает лучше;
# - вычислять градиент кодовой книги (формула 3) для обучаемого квантования.
#
# **Что нужно знать заранее:** тетрадка 01; индексирование в `torch`, `torch.quantile`, `index_add_` или `bincount`.
#
# **Время:** около 40 минут на чтение и запуск, плюс 5 упражнений (около 45 минут).
#
# **Упражнения.** Каждая ячейка «Упражнение» просит реализовать один шаг метода — короткую функцию,
# тело которой `raise NotImplementedError()`: замените его своим кодом и запустите ячейку под ней.
# Она проверит вашу функцию на собственных примерах и напечатает `пройдено случаев: N` или первый
# непройденный случай с подсказкой (`ещё не сделано`, пока тело не изменено). Остальной части
# тетрадки ваши ответы не нужны: она использует реализацию из coursekit. Решения — в тетрадке
# преподавателя с тем же именем в `notebooks/ru/`, по соседству с вашей копией в `release/notebooks/ru/`.

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: пять упражнений (шаг Ллойда, формула 1, две инициализации, градиент из формулы 3); их делают дома. Время: 0,5 мин.

# %% slideshow={"slide_type": "skip"}
import math

import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import Markdown, display

import coursekit
from coursekit import checks, kmeans_fast, models, network, papers, plots, train, widgets
from coursekit import quantization as q
from coursekit.experiments import ERROR_TOLERANCE, baselines
from coursekit.experiments import pruning as pruning_experiment
from coursekit.experiments import quantization as experiment

coursekit.set_language("ru")
plots.style()
torch.manual_seed(0)
INIT_NAMES = {"random": "случайная", "density": "по плотности", "linear": "линейная", "kmeans++": "k-means++"}  # q.INITS, как их показываем
METHOD_NAMES = {
    "pruning only": "только прореживание",
    "quantization only": "только квантование",
    "pruning + quantization": "прореживание + квантование",
}  # ключи experiment.fig6_curves, как их показываем
assert list(INIT_NAMES) == list(q.INITS)
base = baselines.pretrained("lenet_300_100")
results = experiment.load_results("lenet_300_100")
pct = lambda error: f"{100 * error:.2f}%"
n_test = train.split_size("test")  # 10,000 тестовых изображений MNIST
se = lambda error: train.standard_error(error, n_test)  # одна стандартная ошибка ошибки на тесте (доли)
pm = lambda error: f"{pct(error)} ± {100 * se(error):.2f}"  # ошибка на тесте со своей стандартной ошибкой
say = lambda text: display(Markdown(text))  # фраза, написанная по числам над ней


def fewest_bits(val_errors, baseline_val_error):
    """Наименьшее число бит, при котором ошибка на ВАЛИДАЦИИ не более чем на 0.1 пункта (ERROR_TOLERANCE)
    выше, чем у базовой модели: ``val_errors`` — это ``{бит: ошибка}``. ``None``, если ни одна разрядность не подходит."""
    close = [b for b, error in sorted(val_errors.items()) if error <= baseline_val_error + ERROR_TOLERANCE]
    return close[0] if close else None


def listing(items):
    """``[2, 3, 4]`` -> '2, 3 и 4' (для фраз, которые тетрадка пишет по своим числам)."""
    items = [str(i) for i in items]
    return " и ".join([", ".join(items[:-1]), items[-1]]) if len(items) > 1 else "".join(items)


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Разделение весов в одном слое
#
# В первом слое LeNet-300-100 235,200 весов. k-means с k = 4 (2 бита) минимизирует
# внутрикластерную сумму квадратов (DC, формула 2):
#
# $$ \min_C \sum_{i=1}^{k} \sum_{w \in c_i} |w - c_i|^2 $$
#
# `q.kmeans_1d` (`coursekit/quantization.py`) — это цикл Ллойда: назначить каждый вес ближайшему
# центроиду, сдвинуть каждый центроид в среднее его весов, пока ни один вес не сменит кластер.
# `coursekit/kmeans_fast.py` находит те же кластеры быстрее: в одномерном случае кластер — это
# непрерывный отрезок **отсортированных** весов, разрезанный посередине между двумя центроидами,
# поэтому шаг назначения — один `searchsorted`, а шаг обновления — разность префиксных сумм. Его мы
# и используем на настоящих слоях.

# %% slideshow={"slide_type": "fragment"}
fc1 = network.layers(base)["fc1"].weight.detach()
codebook, indices = q.quantize_layer(fc1, bits=2, init="linear", kmeans=kmeans_fast.kmeans_1d)
plain_codebook, plain_indices = q.kmeans_1d(fc1.flatten(), 4, "linear")  # простой цикл Ллойда: те же кластеры
assert torch.equal(plain_indices, indices.flatten()) and torch.allclose(plain_codebook, codebook)
shared = codebook[indices]
print("кодовая книга (4 x 32-битных float):", np.round(codebook.numpy(), 4))
print("индексы:", tuple(indices.shape), "значения из", indices.unique().tolist(), "-> по 2 бита")
print("различных значений после разделения:", len(shared.unique()))
assert len(shared.unique()) <= 4 and indices.max() < 4
stored_bytes = fc1.numel() * 2 / 8 + len(codebook) * 4  # 2-битные индексы + 4 значения float32
print(f"хранение: {fc1.numel() * 4:,} байт во float32 -> {stored_bytes:,.0f} байт ({fc1.numel() * 4 / stored_bytes:.2f}x)")
assert abs(fc1.numel() * 4 / stored_bytes - q.compression_rate(fc1.numel(), 4)) < 1e-9

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: k-means с k = 4 на 235,200 весах fc1: назначить каждый вес ближайшему центроиду, сдвинуть каждый центроид в среднее, повторить; в одномерном случае кластер — отрезок отсортированных весов. Спросите аудиторию: что хранится в итоге? (2-битные индексы плюс 4 float). Сошлитесь на: Deep Compression, формула 2 и рис. 3 (пример 4x4). Время: 2 мин.

# %% slideshow={"slide_type": "subslide"}
fig, axes = plt.subplots(1, 2, figsize=(9, 3), sharey=True, layout="constrained")
bins = np.linspace(fc1.min(), fc1.max(), 120)
axes[0].hist(fc1.flatten(), bins=bins, color="0.6")
axes[0].vlines(codebook, 0.8, np.bincount(indices.flatten(), minlength=4), color="tab:red", lw=2, label="центроиды")
axes[0].set(title="до: 235,200 весов float32", yscale="log", xlabel="значение веса")
axes[0].legend()
axes[1].hist(shared.flatten(), bins=bins, color="tab:red")
axes[1].set(title="после: 4 общих значения", yscale="log", xlabel="значение веса")
plt.show()


# %% [markdown] slideshow={"slide_type": "notes"}
# Заметки докладчика: красные линии слева — центроиды, их высота — число весов в каждом кластере.
# Справа каждый вес переместился на свой центроид. На рис. 3 в DC то же показано на игрушечной матрице
# 4x4. Подчеркните, что слой хранится как 2-битные индексы плюс 4 float.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Упражнение 2.1 (2 балла): одна итерация одномерного k-means
#
# Напишите `lloyd_step(weights, centroids)`: одну итерацию Ллойда на одномерном тензоре `weights`
# от `k` отсортированных центроидов `centroids`. **Назначение**: каждый вес относится к ближайшему
# центроиду (наименьшее `|w - c|`). **Обновление**: каждый центроид сдвигается в среднее своих весов;
# центроид, которому не досталось ни одного веса, сохраняет своё значение. Верните `k` новых
# центроидов в том же порядке.
#
# Ячейка ниже проверяет вашу функцию на собственных примерах по `quantization.kmeans_1d(..., max_iter=1)` из coursekit.

# %% nbgrader={"grade": false, "grade_id": "lloyd_step", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def lloyd_step(weights, centroids):
    """k центроидов после одного шага назначения + обновления k-means на одномерных ``weights``."""
    ### BEGIN SOLUTION
    nearest = (weights[:, None] - centroids[None, :]).abs().argmin(1)
    new = centroids.clone()
    for j in range(len(centroids)):
        if (nearest == j).any():
            new[j] = weights[nearest == j].mean()
    return new
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_lloyd_step", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_lloyd_step(lloyd_step)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Степень сжатия (DC, формула 1)
#
# n весов по b бит превращаются в n индексов по log2(k) бит плюс кодовую книгу из k значений по b бит:
#
# $$ r = \frac{n b}{n \log_2 k + k b} $$
#
# Пример из статьи: 16 весов, 4 кластера, 32-битные float.

# %% slideshow={"slide_type": "fragment"} tags=["show-input"]
ex = papers.DC_EQ1_EXAMPLE
r = q.compression_rate(ex["n"], ex["k"], ex["b"])
print(f"r = 16*32 / (16*2 + 4*32) = {r:.1f}x   (статья: {ex['rate']}x)")

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: r = n b / (n log2 k + k b): на примере статьи из 16 весов 3.2x; на настоящем слое кодовая книга ничего не стоит, и r стремится к 32/b. Спросите аудиторию: когда кодовой книгой НЕЛЬЗЯ пренебречь? (в малых слоях с большим числом бит, например conv1 в LeNet-5 при 8 битах). Сошлитесь на: Deep Compression, формула 1. Время: 2 мин.

# %% slideshow={"slide_type": "skip"}
assert abs(r - ex["rate"]) < 1e-12

# %% slideshow={"slide_type": "subslide"}
ns = np.logspace(1, 6, 200)
fig, ax = plt.subplots(figsize=(7, 3.2), layout="constrained")
for bits in (2, 4, 8):
    ax.plot(ns, [q.compression_rate(n, 2**bits) for n in ns], label=f"k = {2**bits} ({bits}-битные индексы)")
    ax.axhline(32 / bits, color="0.6", lw=0.8, ls=":")
ax.axvline(235_200, color="tab:red", lw=1, ls="--", label="LeNet-300-100 fc1")
ax.set(xscale="log", xlabel="число весов в слое n", ylabel="степень сжатия r", ylim=(0, 17), xlim=(10, 1e6))
ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1))
plt.show()

# %% slideshow={"slide_type": "fragment"}
for bits in (2, 4, 8):
    k = 2**bits
    n_equal = k * 32 / bits  # n, при котором кодовая книга стоит столько же, сколько индексы
    r_fc1 = q.compression_rate(235_200, k)
    print(f"при {bits} битах: кодовая книга = индексы при n = {n_equal:,.0f};  для fc1 r = {r_fc1:.2f} (предел 32/{bits} = {32 / bits:.0f})")
    assert r_fc1 > 0.99 * 32 / bits
conv1 = network.layers(models.build("lenet5"))["conv1"].weight.numel()  # 20 фильтров 5 x 5: 500 весов
layer_bytes, codebook_bytes, index_bytes = conv1 * 4, 256 * 4, conv1 * 8 // 8  # слой fp32; 256 значений fp32; 8-битные индексы
r_conv1 = q.compression_rate(conv1, 256)
print(f"conv1 в LeNet-5 при 8 битах: весов {conv1} = {layer_bytes:,} байт во float32 -> {index_bytes:,} байт индексов "
      f"+ {codebook_bytes:,} байт кодовой книги;  r = {r_conv1:.2f}x (предел 4x)")
assert index_bytes < codebook_bytes < layer_bytes  # кодовая книга больше индексов, но не слоя
assert abs(layer_bytes / (index_bytes + codebook_bytes) - r_conv1) < 1e-9 and f"{r_conv1:.2f}" == "1.31"  # числа из заметок


# %% [markdown] slideshow={"slide_type": "notes"}
# Заметки докладчика: r стремится к 32/b, как только n много больше k*32/b (пунктирные линии). Для
# больших слоёв статьи кодовая книга ничего не стоит. Для conv1 в LeNet-5 (500 весов) при 8 битах
# кодовая книга из 256 значений (1,024 байт) вдвое больше 8-битных индексов (500 байт), хотя всё ещё
# вдвое меньше слоя во float32 (2,000 байт): r = 1.31x вместо 4x у большого слоя.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Упражнение 2.2 (1 балл): формула 1
#
# Напишите `compression_rate(n, k, b=32)`: `n` весов по `b` бит заменяются на `n` индексов по
# `log2(k)` бит плюс кодовую книгу из `k` значений по `b` бит. Верните отношение размеров до и
# после. Пример из статьи: `compression_rate(16, 4) == 3.2`.
#
# Ячейка ниже проверяет вашу функцию на собственных примерах по `quantization.compression_rate` из coursekit.

# %% nbgrader={"grade": false, "grade_id": "compression_rate", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def compression_rate(n, k, b=32):
    """DC, формула 1: биты до / биты после разделения ``n`` весов между ``k`` значениями."""
    ### BEGIN SOLUTION
    return n * b / (n * math.log2(k) + k * b)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_compression_rate", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_compression_rate(compression_rate)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. С чего начинать центроиды
#
# k-means находит лишь локальный оптимум, поэтому начальная точка важна (DC, разд. 3.2, рис. 4):
#
# - **случайная** (random, Forgy): k весов, выбранных случайно;
# - **по плотности** (density): равномерно по оси y функции распределения (CDF) (много центроидов там, где весов много);
# - **линейная** (linear): равномерно между наименьшим и наибольшим весом;
# - **k-means++**: каждый новый центроид выбирается далеко от уже выбранных.
#
# Слой: fc1 сети LeNet-300-100 из главы о прореживании (`load_pruned`: прорежена по послойному профилю
# статьи и дообучена) — тот же слой той же сети, что и в разд. 1, но бо́льшая его часть удалена.

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: k-means находит лишь локальный оптимум; его определяет начальная точка: случайная, по плотности (по функции распределения), линейная, k-means++. На прореженном бимодальном слое инициализация по плотности скапливает центроиды в горбах, линейная покрывает большие веса. Спросите аудиторию: какие веса важнее для выхода — многочисленные малые или немногие большие? Сошлитесь на: Deep Compression, рис. 4 (три инициализации на прореженном слое) и рис. 10 (точность в зависимости от инициализации). Время: 3 мин.

# %% slideshow={"slide_type": "subslide"}
pruned = pruning_experiment.load_pruned("lenet_300_100")
w = network.layers(pruned)["fc1"].weight.detach().flatten()
w = w[w != 0].sort().values
fig, ax = plt.subplots(figsize=(8, 3.4), layout="constrained")
ax.plot(w, np.arange(1, len(w) + 1) / len(w), color="0.3", label="функция распределения ненулевых весов")
for offset, (init, color) in enumerate(zip(q.INITS, ["tab:orange", "tab:green", "tab:blue", "tab:purple"])):
    start = np.sort(q.init_centroids(w, 16, init))
    ax.plot(start, np.full(16, -0.06 - 0.07 * offset), "|", ms=9, mew=2, color=color, label=INIT_NAMES[init])
ax.set(xlabel="значение веса", ylabel="функция распределения", title=f"прореженный fc1: весов {len(w):,}, 16 начальных центроидов")
ax.legend(loc="upper left")
plt.show()
pruned_error = results["pruning"]["final"]["error"]
print(f"прореженный fc1: осталось весов {len(w):,} из {fc1.numel():,} ({100 * len(w) / fc1.numel():.1f}%); "
      f"ошибка на тесте прореженной сети {pm(pruned_error)}, плотной базовой модели {pm(results['baseline_error'])}")

# %% [markdown] slideshow={"slide_type": "notes"}
# Заметки докладчика: прореженный слой бимодален (малые веса около 0 удалены). Инициализация по
# плотности скапливает центроиды в двух горбах; линейная распределяет их равномерно, так что несколько
# попадают на редкие большие веса. Статья утверждает, что большие веса важнее, и находит линейную лучшей.

# %% slideshow={"slide_type": "subslide"}
rows = results["pruned"]
bit_range = range(2, 7)
cells = [
    [f"{bits:d}"]
    + [f"{pct(c['error'])} -> {pct(c['finetuned_error'])}" for c in (rows[f"final/{bits}/{init}"] for init in q.INITS)]
    for bits in bit_range
]
display(plots.table(
    cells, ["бит", *INIT_NAMES.values()], caption="прореженная LeNet-300-100, ошибка на тесте после квантования -> после дообучения",
    note=f"прореженная модель до квантования: {pct(pruned_error)}; одна стандартная ошибка: около {100 * se(pruned_error):.2f} пункта",
))

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: таблица: прореженная LeNet-300-100, квантованная до 2-6 бит с каждой начальной точкой, ошибка на тесте после квантования и после дообучения. Спросите аудиторию: начиная с какой разрядности начальная точка перестаёт иметь значение? (там, где четыре столбца совпадают в пределах примерно одной стандартной ошибки). Сошлитесь на: Deep Compression, рис. 10. Время: 1,5 мин.

# %% slideshow={"slide_type": "subslide"}
fig, axes = plt.subplots(1, 2, figsize=(9, 3), sharey=True, layout="constrained")
for ax, field, title in zip(axes, ["error", "finetuned_error"], ["после квантования", "после дообучения"]):
    for init in q.INITS:
        ax.plot(list(bit_range), [100 * rows[f"final/{b}/{init}"][field] for b in bit_range], "o-", ms=4, label=INIT_NAMES[init])
    ax.set(title=title, xlabel="бит на вес")
axes[0].set_ylabel("ошибка на тесте (%)")
axes[0].legend()
plt.show()

# %% slideshow={"slide_type": "fragment"}
val = lambda b, init: rows[f"final/{b}/{init}"]["finetuned_val_error"]
tuned = lambda b, init: rows[f"final/{b}/{init}"]["finetuned_error"]
chosen = {b: min(q.INITS, key=lambda init: val(b, init)) for b in bit_range}  # по валидации (при равенстве — первая)
print("начальная точка, выбранная по валидационным изображениям, по разрядности:\n ", {b: INIT_NAMES[i] for b, i in chosen.items()})
print("её ошибка на тесте:", {b: pm(tuned(b, i)) for b, i in chosen.items()})
spread = {b: max(tuned(b, i) for i in q.INITS) - min(tuned(b, i) for i in q.INITS) for b in bit_range}
print("ошибка на тесте, худшая начальная точка минус лучшая (пункты):", {b: round(100 * x, 2) for b, x in spread.items()})
linear_chosen = [b for b in bit_range if chosen[b] == "linear"]
others = {i: [b for b in bit_range if chosen[b] == i] for i in q.INITS if i != "linear"}
other_chosen = [f"{INIT_NAMES[i]} при {listing(widths)} битах" for i, widths in others.items() if widths]
tied = [b for b in bit_range if spread[b] <= se(min(tuned(b, i) for i in q.INITS))]  # все начальные точки в пределах одной SE
assert len(linear_chosen) + sum(len(widths) for widths in others.values()) == len(bit_range)
say(
    "**Что мы измеряем.** На валидационных изображениях линейная инициализация — лучшая начальная точка "
    + (f"при {listing(linear_chosen)} битах" if linear_chosen else "ни при одной разрядности")
    + (f"; {listing(other_chosen)}." if other_chosen else ".")
    + (f" На тестовых изображениях все четыре начальные точки в пределах одной стандартной ошибки друг от друга при {listing(tied)} битах: "
       "там начальная точка заметно не влияет." if tied else " На тестовых изображениях начальные точки различаются больше чем на одну стандартную ошибку при любой разрядности.")
    + " В статье линейная лучшая везде, кроме 3 бит (AlexNet); на LeNet-300-100 линейная "
    + ("выбрана и при 3 битах." if 3 in linear_chosen else "при 3 битах тоже не выбрана.")
)

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: то же в виде кривых; начальная точка для каждой разрядности выбирается по валидационным изображениям, затем один раз сообщается её ошибка на тесте; прочитайте фразу под графиком, написанную по числам. Спросите аудиторию: совпадает ли это с выводом статьи (линейная лучшая везде, кроме 3 бит)? Время: 1,5 мин.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Упражнение 2.3 (1 балл): линейная инициализация
#
# Напишите `linear_init(weights, k)`: `k` центроидов, равномерно расставленных от наименьшего до
# наибольшего из одномерных `weights`, оба конца включительно.
#
# Ячейка ниже проверяет вашу функцию на собственных примерах по `quantization.init_linear` из coursekit.

# %% nbgrader={"grade": false, "grade_id": "linear_init", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def linear_init(weights, k):
    """``k`` значений, равномерно расставленных между min(weights) и max(weights), концы включительно."""
    ### BEGIN SOLUTION
    return torch.linspace(weights.min().item(), weights.max().item(), k)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_linear_init", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_linear_init(linear_init)


# %% [markdown] slideshow={"slide_type": "skip"}
# ### Упражнение 2.4 (1 балл): инициализация по плотности
#
# Напишите `density_init(weights, k)`: `k` центроидов, равномерно расставленных по оси y функции
# распределения весов, — квантили уровней `(i + 0.5) / k` для `i = 0 .. k-1` с интерполяцией между
# весами, как в `torch.quantile` (считайте во float64).
#
# Ячейка ниже проверяет вашу функцию на собственных примерах по `quantization.init_density` из coursekit.

# %% nbgrader={"grade": false, "grade_id": "density_init", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def density_init(weights, k):
    """Квантили ``weights`` уровней (i + 0.5) / k, i = 0 .. k-1."""
    ### BEGIN SOLUTION
    levels = (torch.arange(k, dtype=torch.float64) + 0.5) / k
    return torch.quantile(weights.double(), levels)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_density_init", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_density_init(density_init)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Обучаемое квантование (DC, формула 3)
#
# Разделяемые значения обучаются; индексы — нет. Градиент разделяемого значения — это сумма
# градиентов всех весов, которые его используют:
#
# $$ \frac{\partial L}{\partial C_k} = \sum_{i,j} \frac{\partial L}{\partial W_{ij}} \, \mathbb{1}(I_{ij} = k) $$
#
# `coursekit.quantization.SharedWeights` — это параметризация `torch.nn.utils.parametrize`:
# `weight = codebook[indices] * mask`. Её обратный проход — scatter-add градиентов весов по
# индексу. Маска держит прореженные веса нулевыми. Проверка вручную на матрице 2 x 2:

# %% slideshow={"slide_type": "fragment"}
layer = torch.nn.Linear(2, 2, bias=False)
with torch.no_grad():
    layer.weight.copy_(torch.tensor([[1.0, -1.0], [0.0, 1.2]]))  # 0.0: прореженный вес
q.share_weights_(layer, bits=1)
x = torch.tensor([[2.0, 3.0]])
layer(x).sum().backward()  # dL/dW_ij = x_j
print("веса:", (layer.weight + 0.0).detach().numpy().round(2).tolist(), " кодовая книга:", q.codebook(layer).detach().numpy().round(2).tolist())
print("градиент кодовой книги:", q.codebook(layer).grad.tolist(), " вручную: [3 (W01), 2 + 3 (W00 + W11)]")
assert q.codebook(layer).grad.tolist() == [3.0, 5.0]

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: обучается кодовая книга, индексы — нет: градиент разделяемого значения — сумма градиентов весов, которые его используют (scatter-add). Спросите аудиторию: что происходит с прореженными весами во время этого обучения? (маска держит их нулевыми). Сошлитесь на: Deep Compression, формула 3 и рис. 3 (градиенты, сгруппированные по цвету). Время: 2 мин.

# %% slideshow={"slide_type": "subslide"}
steps, errors = zip(*results["recovery"])
fig, ax = plt.subplots(figsize=(7, 3), layout="constrained")
ax.plot(steps, [100 * e for e in errors], "o-", ms=3, label="LeNet-300-100, прорежено 97%, 2 бита: дообучение")
ax.axhline(100 * results["pruning"]["layer 97%"]["error"], color="0.4", ls="--", label="прорежено 97%, 32 бита")
ax.set(xlabel="шаги дообучения (батчи по 64)", ylabel="ошибка на тесте (%)")
ax.legend()
plt.show()
gain = errors[0] - errors[-1]
print(f"2 бита: {pm(errors[0])} после квантования -> {pm(errors[-1])} после дообучения (шагов: {steps[-1]})")
say(f"Дообучение 4 общих значений каждого слоя {'возвращает' if gain > 0 else 'не возвращает'} "
    f"{100 * abs(gain):.2f} пункта ошибки (стандартных ошибок: {abs(gain) / se(errors[-1]):.1f}"
    f"{'' if gain > 0 else ', в обратную сторону'}); 32-битная сеть, прореженная на 97%, даёт "
    f"{pct(results['pruning']['layer 97%']['error'])}.")


# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: дообучение кодовой книги после квантования прореженной на 97% сети до 2 бит: прочитайте ошибку на шаге 0 и в конце (фраза под графиком). Спросите аудиторию: как мало чисел здесь обучается? (по 4 на слой, плюс смещения). Сошлитесь на: Deep Compression, разд. 3.3. Время: 1 мин.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Упражнение 2.5 (2 балла): градиент кодовой книги (формула 3)
#
# Напишите `codebook_gradient(weight_grad, indices, k)`: `weight_grad` содержит dL/dW для каждого веса
# слоя, а `indices` (той же формы) — какое из `k` разделяемых значений использует каждый вес. Верните
# `k` градиентов разделяемых значений: для каждого — **сумму** градиентов его весов (0 для значения,
# которое не использует ни один вес).
#
# Ячейка ниже проверяет вашу функцию на собственных примерах по `quantization.SharedLookup` из coursekit.

# %% nbgrader={"grade": false, "grade_id": "codebook_gradient", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def codebook_gradient(weight_grad, indices, k):
    """DC, формула 3: k градиентов dL/dC_j = сумма dL/dW по весам с индексом j."""
    ### BEGIN SOLUTION
    return torch.zeros(k).index_add_(0, indices.flatten(), weight_grad.flatten())
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_codebook_gradient", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_codebook_gradient(codebook_gradient)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. Сколько бит? (DC, таблица 6, рис. 7)
#
# Статья квантует свёрточные (conv) и полносвязные (fc) слои AlexNet по отдельности. Её вывод:
# свёрточным слоям нужно около 4 бит или больше, полносвязные держатся вплоть до 2 бит. Наш аналог
# на LeNet-5 (линейная инициализация; кодовые книги дообучены на одну двадцатую эпохи со скоростью
# обучения 3e-6) рядом с числами статьи для AlexNet (ImageNet: процитированы, здесь не
# воспроизводятся). Эту скорость на самом деле не выбирали: все три опробованные скорости, 3e-6, 1e-5
# и 3e-5, дают на валидационных изображениях одинаковые 0.96% (строка ниже), и остаётся первая,
# самая маленькая: ничья разрешена порядком. По валидации действительно выбрана только скорость для
# кодовых книг LeNet-300-100: 3e-5, 1.58% против 1.62% (1e-5) и 1.66% (1e-4) (их печатает раздел
# «Дообучите сами, вживую»).

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: статья квантует свёрточные и полносвязные слои AlexNet по отдельности: свёрточным нужно около 4 бит, полносвязные держатся до 2; наш аналог — LeNet-5 (линейная инициализация, кодовые книги дообучены на одну двадцатую эпохи). Обратите внимание: скорость обучения здесь на самом деле не выбрана: три скорости на валидации равны, и остаётся первая; по-настоящему выбрана только скорость для LeNet-300-100. Время: 1 мин.

# %% slideshow={"slide_type": "subslide"}
lenet5 = experiment.load_results("lenet5")
base5 = lenet5["baseline_error"]
assert lenet5["finetune"]["epochs"] == 0.05  # «одна двадцатая эпохи»
# три скорости на валидации равны: «наименьшая» — первая из равных (3e-6), оставлена по порядку
print(f"кодовые книги LeNet-5 дообучены со скоростью обучения {lenet5['finetune']['lr']:g},\n"
      f"у неё наименьшая ошибка на валидации из\n  "
      f"{ {lr: pct(e) for lr, e in lenet5['finetune']['lr_val_errors'].items()} }")
paper_top1, paper_top5 = papers.DC_TABLE6[32, 32]  # 32-битная AlexNet статьи: от неё отсчитываются столбцы «рост»
points = lambda error, reference: f"{100 * (error - reference):+.2f}"  # рост ошибки, в пунктах
cells, paper_rows = [], []
table6, paper_increase = {}, {}
for (conv, fc), (top1, top5) in papers.DC_TABLE6.items():
    row = lenet5["configs"][experiment.config_key(conv, fc, "linear")]
    tuned = row["finetuned_error"] if (conv, fc) != (32, 32) else row["error"]
    table6[conv, fc] = tuned
    paper_increase[conv, fc] = (points(top1, paper_top1), points(top5, paper_top5))
    cells.append([f"{conv:d} / {fc:d}", "наши", pct(row["error"]), pct(tuned), points(tuned, base5), "", "",
                  f"{lenet5['dense_bits'] / row['bits']:.1f}x"])
    paper_rows.append(len(cells))
    cells.append(["", "статья", "", f"{100 * top1:.2f}%", paper_increase[conv, fc][0], f"{100 * top5:.2f}%",
                  paper_increase[conv, fc][1], ""])
display(plots.table(
    cells, ["бит conv / fc", "", "квантов.", "ошибка top-1", "рост top-1", "ошибка top-5", "рост top-5", "меньше в"],
    paper=paper_rows, caption="DC, таблица 6: LeNet-5 (наши, MNIST, тест) и AlexNet (статья, ImageNet, цитата)",
    note="ошибка после дообучения кодовых книг; рост: в пунктах относительно 32-битной сети; в MNIST 10 классов, поэтому top-5 нет",
))
# столбцы роста из статьи (DC, таблица 6), пересчитанные по её столбцам ошибок
assert [paper_increase[c] for c in [(8, 5), (8, 4), (4, 2)]] == [("+0.00", "-0.03"), ("+0.01", "+0.00"), ("+1.99", "+2.60")]
costly = [f"{c} / {f}" for (c, f), e in table6.items() if e > base5 + ERROR_TOLERANCE]
paper_costly = [f"{c} / {f}" for (c, f), (top1, _) in papers.DC_TABLE6.items() if top1 > paper_top1 + ERROR_TOLERANCE]
assert paper_costly == ["4 / 2"]
say(f"Настройки, которые стоят больше 0.1 пункта ошибки top-1: у нас (LeNet-5, тест, одна стандартная ошибка около "
    f"{100 * se(base5):.2f} пункта) {listing(costly) if costly else 'нет'}; у AlexNet в статье {listing(paper_costly)}"
    f"{' (та же картина).' if costly == paper_costly else '.'}")

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: таблица 6 статьи со всеми четырьмя столбцами (top-1 и top-5, каждый с ростом относительно 32-битной AlexNet) серым, над каждой строкой статьи — наша LeNet-5 при тех же разрядностях (у MNIST нет осмысленной top-5). Спросите аудиторию: почему свёрточным слоям может требоваться больше бит, чем полносвязным? Сошлитесь на: Deep Compression, таблица 6 и рис. 7 (AlexNet: conv около 4 бит, fc около 2). Время: 2 мин.

# %% slideshow={"slide_type": "subslide"}
fig, axes = plt.subplots(1, 2, figsize=(9, 3), sharey=True, layout="constrained")
for ax, kind in zip(axes, ["conv", "fc"]):
    keys = [experiment.config_key(b, 32, "linear") if kind == "conv" else experiment.config_key(32, b, "linear") for b in range(1, 9)]
    for field, label in [("error", "квантованная"), ("finetuned_error", "дообученная")]:
        ax.plot(range(1, 9), [100 * lenet5["configs"][k][field] for k in keys], "o-", ms=4, label=label)
    ax.axhline(100 * lenet5["baseline_error"], color="0.4", ls="--", lw=1, label="32 бита")
    ax.set(title=f"LeNet-5: квантованы только слои {kind}", xlabel="бит", yscale="log")
axes[0].set_ylabel("ошибка на тесте (%)")
axes[0].legend()
plt.show()
row5 = lambda conv, fc: lenet5["configs"][experiment.config_key(conv, fc, "linear")]
conv_curve = {b: row5(b, 32)["finetuned_error"] for b in range(1, 9)}
fc_curve = {b: row5(32, b)["finetuned_error"] for b in range(1, 9)}
print("бит conv -> ошибка на тесте:", {b: pct(e) for b, e in conv_curve.items()})
print("бит fc   -> ошибка на тесте:", {b: pct(e) for b, e in fc_curve.items()})
conv_bits = fewest_bits({b: row5(b, 32)["finetuned_val_error"] for b in range(1, 9)}, lenet5["baseline_val_error"])
fc_bits = fewest_bits({b: row5(32, b)["finetuned_val_error"] for b in range(1, 9)}, lenet5["baseline_val_error"])
hold = lambda bits, curve: f"бит: {bits} (ошибка на тесте {pm(curve[bits])})" if bits else "ни одной разрядности до 8 бит"
raw1 = {"conv": row5(1, 32)["error"], "fc": row5(32, 1)["error"]}
fragile = "conv" if raw1["conv"] > raw1["fc"] else "fc"
say(f"**Что мы измеряем на LeNet-5.** До дообучения 1-битные свёрточные слои дают ошибку на тесте {pct(raw1['conv'])}, "
    f"1-битные полносвязные — {pct(raw1['fc'])}: хрупкие здесь слои {fragile}"
    + (", как и в статье." if fragile == "conv" else ", в отличие от AlexNet в статье.")
    + f" После дообучения наименьшее число бит в пределах 0.1 пункта от базовой модели на валидационных изображениях: свёрточные слои — "
    f"{hold(conv_bits, conv_curve)}, полносвязные — {hold(fc_bits, fc_curve)} (базовая модель {pm(base5)}). Два свёрточных "
    "слоя LeNet-5 малы (25,500 весов), и дообучение их немногих общих значений возвращает многое из потерянного. AlexNet "
    "в статье нужно около 4 бит в свёрточных слоях и 2 в полносвязных: гораздо бо́льшая сеть на гораздо более трудной задаче.")
assert sum(network.layers(models.build("lenet5"))[n].weight.numel() for n in ("conv1", "conv2")) == 25_500

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: свёрточные и полносвязные слои LeNet-5 квантуются по отдельности, до и после дообучения; наименьшее число бит, при котором сеть держится, выбирается по валидационным изображениям (фраза под графиком). Спросите аудиторию: почему малый свёрточный слой может восстановиться при малом числе бит? (мало общих значений для настройки, мало весов). Сошлитесь на: Deep Compression, рис. 7. Время: 1,5 мин.

# %% slideshow={"slide_type": "subslide"}
fc_rows = [results["configs"][experiment.config_key(32, b, "linear")] for b in range(1, 9)]
cells = [
    [f"{b}", pct(row["error"]), pct(row["finetuned_error"]), f"{results['dense_bits'] / row['bits']:.1f}x"]
    for b, row in zip(range(1, 9), fc_rows)
]
display(plots.table(
    cells, ["бит fc", "ошибка", "после дообучения", "меньше в"],
    caption="LeNet-300-100, квантованы все слои (линейная инициализация)", note=f"32-битная базовая модель: {pct(results['baseline_error'])}",
))
fc_tuned = {b: row["finetuned_error"] for b, row in zip(range(1, 9), fc_rows)}
bits300 = fewest_bits({b: row["finetuned_val_error"] for b, row in zip(range(1, 9), fc_rows)}, results["baseline_val_error"])
rate300 = results["dense_bits"] / fc_rows[bits300 - 1]["bits"] if bits300 else None
say("Наименьшее число бит в пределах 0.1 пункта от базовой модели, выбранное по валидационным изображениям: "
    + (f"**бит: {bits300}**, меньше в {rate300:.1f} раза, ошибка на тесте {pm(fc_tuned[bits300])} против "
       f"{pm(results['baseline_error'])} у базовой модели." if bits300 else "нет ни одного до 8 бит.")
    + f" При 1 бите (два значения на слой) ошибка на тесте {pct(fc_tuned[1])}.")

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: LeNet-300-100 со всеми квантованными слоями, от 1 до 8 бит в fc; сколько бит поставлять, выбирается по валидационным изображениям, ошибка на тесте сообщается один раз. Спросите аудиторию: какова степень сжатия при 4 битах с учётом кодовой книги? (около 8x: столбец «меньше в»). Сошлитесь на: Deep Compression, таблица 6. Время: 1 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. Прореживание и квантование вместе (DC, рис. 6)
#
# Модель размера (веса и смещения): у прореженного слоя — 5-битный относительный индекс на каждый
# оставшийся вес, у квантованного — b-битные индексы плюс кодовая книга (`q.model_bits`). Три кривые
# на LeNet-300-100: только прореживание (дообученные модели главы о прореживании: послойная сетка и
# итоговая модель), только квантование (с дообучением) и оба (те же прореженные модели, квантованные
# до 2-6 бит и дообученные). Каждая кривая оставляет точки, которые не превосходит ни одна меньшая
# модель. Кривые показывают ошибки на тесте; модель для поставки (наименьшая в пределах 0.1 пункта от
# базовой) выбирается по ошибкам тех же моделей на валидации, её ошибка на тесте — один раз (звёздочка).

# %% slideshow={"slide_type": "fragment"}
curves = experiment.fig6_curves(results)  # {метод: [(размер %, ошибка на тесте %)]}: только три метода, без кривой SVD
goal = results["goal"]  # наименьшая модель прореживание + квантование в пределах 0.1 пункта, выбранная по валидации
fig, ax = plt.subplots(figsize=(7, 3.4), layout="constrained")
plots.error_vs_size(ax, {METHOD_NAMES[m]: p for m, p in curves.items()}, baseline_error=100 * results["baseline_error"])
if goal["size_percent"] is not None:
    ax.plot(goal["size_percent"], 100 * goal["test_error"], "k*", ms=13, label="выбрана по валидации")
    ax.legend()
ax.set_ylim(1, 4)
plt.show()

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: модель размера (у прореженного слоя — 5-битный относительный индекс на каждый оставшийся вес, у квантованного — b-битные индексы плюс кодовая книга) и три кривые: только прореживание, только квантование, оба; каждая оставляет точки, которые не превосходит ни одна меньшая модель; звёздочка — модель, выбранная по валидационным изображениям. Спросите аудиторию: почему два метода перемножаются, а не перекрываются? Сошлитесь на: Deep Compression, рис. 6 (прореживание + квантование лучше всего работают вместе). Время: 1,5 мин.

# %% slideshow={"slide_type": "subslide"}
def smallest_size(points, max_error):
    """Наименьший размер модели (%) среди точек, у которых ошибка (%) не больше ``max_error`` (None: таких точек нет)."""
    return min((size for size, error in points if error <= max_error), default=None)


val_curves = experiment.fig6_curves(results, split="val")  # ошибки на валидации тех же моделей: по ним выбираем
limit = 100 * (results["baseline_val_error"] + ERROR_TOLERANCE)  # ошибка на валидации (%): на 0.1 пункта выше базовой
best = {method: smallest_size(points, limit) for method, points in val_curves.items()}
for method, size in best.items():
    rate = f"{size:.2f}% от 32-битной ({100 / size:.0f}x)" if size else "нет"
    print(f"{METHOD_NAMES[method]:>26s}: наименьшая модель в пределах 0.1 пункта на валидации: {rate}")
assert goal["size_percent"] == best["pruning + quantization"]  # файл результатов выбрал ту же точку
rates = {method: f"{100 / size:.0f}x" if size else "нет модели" for method, size in best.items()}
if goal["size_percent"] is not None:
    say(f"При выборе по валидации прореживание + квантование дают степень сжатия **{goal['rate']:.0f}x** в пределах 0.1 пункта от "
        f"базовой модели, против {rates['pruning only']} только для прореживания и {rates['quantization only']} только для "
        f"квантования. Её ошибка на тесте, измеренная один раз: {pm(goal['test_error'])} против "
        f"{pm(results['baseline_error'])} у базовой модели ({100 * goal['increase']:+.2f} пункта, стандартных ошибок: {goal['increase_in_se']:+.1f}): "
        f"цель 0.1 пункта на тестовых изображениях **{'достигнута' if goal['met'] else 'не достигнута'}**.")
else:
    say("Ни одна модель прореживание + квантование не укладывается в 0.1 пункта от базовой на валидационных изображениях.")
pq6 = results["pruned"]["final/6/linear"]
print(f"настройка статьи для LeNet-300-100 (прорежено в 12 раз, веса 6 бит, индексы 5 бит):\n"
      f"  у нас: {100 * pq6['bits'] / results['dense_bits']:.2f}% размера, ошибка на тесте {pm(pq6['finetuned_error'])}\n"
      f"  в статье: {papers.DC_LENET_300_100_PQ['size_percent']}% "
      f"({papers.DC_LENET_300_100_PQ['rate']}x), ошибка {100 * papers.DC_TABLE1['lenet_300_100']['error'][1]:.2f}%")
assert abs(100 * pq6["bits"] / results["dense_bits"] - papers.DC_LENET_300_100_PQ["size_percent"]) < 0.3

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: выбор за звёздочкой: для каждого метода — наименьшая модель в пределах 0.1 пункта от базовой на валидационных изображениях; ошибка выбранной модели на тесте сообщается один раз со стандартной ошибкой (прочитайте фразу: цель достигнута или нет); последним — собственная настройка статьи (прорежено в 12 раз, 6-битные веса) рядом с нашей. Время: 0,5 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. Для контраста: линейное (равномерное) квантование
#
# Те же биты, но 2^b уровней расставлены равномерно между минимумом и максимумом слоя, каждый вес
# округляется до ближайшего уровня, и ничего не обучается. k-means, напротив, ставит свои уровни
# туда, где находятся веса, и напрямую минимизирует квадратичную ошибку.

# %% slideshow={"slide_type": "fragment"}
cells = []
for b in range(1, 9):
    uniform, kmeans = results["uniform"][str(b)], results["configs"][experiment.config_key(32, b, "linear")]["error"]
    cb, idx = q.quantize_layer(fc1, b, kmeans=kmeans_fast.kmeans_1d)
    sse_ratio = ((q.linear_quantize(fc1, b) - fc1) ** 2).sum().item() / q.inertia(fc1.flatten(), cb, idx.flatten())
    cells.append([f"{b:d}", pct(uniform), pct(kmeans), f"{sse_ratio:.1f}x"])
display(plots.table(
    cells, ["бит", "равномерное", "k-means", "квадратичная ошибка fc1: равномерное / k-means"],
    caption="LeNet-300-100, все слои, без дообучения: ошибка на тесте",
))
uniform = {b: results["uniform"][str(b)] for b in range(1, 9)}
kmeans = {b: results["configs"][experiment.config_key(32, b, "linear")]["error"] for b in range(1, 9)}
close = lambda errors: min((b for b, e in errors.items() if e <= results["baseline_error"] + ERROR_TOLERANCE), default=None)
u_bits, k_bits = close(uniform), close(kmeans)  # описание на тестовых изображениях: здесь ничего не выбирается
say(f"На тестовых изображениях (это описание: здесь ничего не выбирается) без дообучения равномерные уровни укладываются в "
    f"0.1 пункта от базовой модели начиная с бит: {u_bits or 'ни одной разрядности до 8'}, уровни k-means — с бит: {k_bits or 'ни одной разрядности до 8'}"
    + (f"; равномерному нужно больше бит на {u_bits - k_bits}." if u_bits and k_bits and u_bits > k_bits else ".")
    + f" При 2 битах: равномерное {pct(uniform[2])}, k-means {pct(kmeans[2])}.")

# %% [markdown] slideshow={"slide_type": "notes"}
# Заметки докладчика: равномерные уровни расставлены под крайние значения, поэтому большинство уровней
# оказывается в почти пустых хвостах, а плотной середине достаются один-два. k-means тратит уровни
# там, где есть веса, а её дообученная кодовая книга возвращает ещё больше. Равномерное квантование
# выигрывает простотой аппаратуры: никакого поиска по кодовой книге, целочисленная арифметика.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8. Попробуйте вживую: ползунок числа бит
#
# Число бит на вес fc и начальная точка центроидов: каждое движение квантует каждый слой
# LeNet-300-100, оценивает сеть на всех 10,000 тестовых изображениях и перерисовывает. Серым —
# гистограмма весов fc1; красным — общие значения, их высота — число весов, которые их разделяют.
# Синяя кривая собирает то, что вы попробовали (без обучения). Серые квадраты **посчитаны
# заранее** командой `python -m coursekit.reproduce quantization`: те же кодовые книги, но
# *дообученные* (разд. 3.3), а это требует обучения. Кодовая книга зависит только от слоя, числа
# бит и начальной точки, поэтому панель по-настоящему запускает k-means (одномерный, на
# отсортированных значениях) для всех 8 значений числа бит и 4 начальных точек, когда строится,
# примерно за полторы секунды: ни одно движение не ждёт k-means.

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: что делает панель, прежде чем её двигать: каждое движение квантует все слои и оценивает сеть на всех 10,000 тестовых изображениях; серым — гистограмма fc1, красным — общие значения, синим — то, что вы попробовали (без обучения), серые квадраты — дообученные кодовые книги, посчитанные заранее. Кодовые книги k-means для всех разрядностей и начальных точек считаются при построении панели, поэтому ни одно движение не ждёт. Время: 0,5 мин.

# %% [markdown] slideshow={"slide_type": "skip"}
# `widgets.quantization_panel(my_model)` принимает вашу сеть, `kmeans=` — функцию с сигнатурой
# `q.kmeans_1d` (например, построенную на вашем `lloyd_step`), а `widgets.quantization_panel("lenet5")`
# добавляет ползунок бит для свёрточных слоёв (LeNet-5, первые 400 тестовых изображений).

# %% slideshow={"slide_type": "subslide"}
# NBVAL_IGNORE_OUTPUT
# (интерактивный виджет: его числа напечатаны и проверены ниже)
panel = widgets.quantization_panel()
panel.widget

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: в живой тетрадке двигайте ползунок бит: сеть квантуется кодовыми книгами k-means, посчитанными при построении панели, и оценивается на 10,000 изображений; в статичной презентации пролистайте кадры (от 1 до 6 бит). Спросите аудиторию: начиная с какого числа бит ошибка перестаёт меняться? (прочитайте по синей кривой; дообучения здесь нет). Время: 2 мин.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 8. Ползунок числа бит: пять настроек
#
# Без ядра (в статичной презентации) панель не двигается: вот она при 1, 2, 3, 4 и 6 битах на вес fc
# (линейная инициализация), по одной настройке на каждое нажатие стрелки вправо.

# %% slideshow={"slide_type": "-"}
# NBVAL_IGNORE_OUTPUT
# (картинки; числа напечатаны ниже)
plots.frames(
    panel,
    [{"bits": b} for b in (1, 2, 3, 4, 6)],
    lambda setting, shown: f"бит на вес fc: {setting['bits']}; ошибка на тесте {100 * shown['error']:.2f}%, меньше в {shown['rate']:.1f} раза",
)

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: по кадру на каждую разрядность: при 1 бите общие значения — два пика, и ошибка взрывается;
# несколькими битами дальше кривая ровная. Спросите аудиторию: сколько бит вы бы выбрали для продукта (и по каким изображениям решали бы)? Сошлитесь на:
# Deep Compression, рис. 7. Время: 1,5 мин.

# %% slideshow={"slide_type": "fragment"} tags=["check"]
for setting in [dict(bits=1), dict(bits=2), dict(bits=4), dict(bits=8), dict(bits=2, init="kmeans++")]:
    shown = panel.update(**setting)
    print(setting, f"вживую: ошибка {pct(shown['error'])}, меньше в {shown['rate']:.1f} раза, {shown['kb']:.1f} КБ")
tuned = results["configs"][experiment.config_key(32, 2, "linear")]["finetuned_error"]
print(f"посчитано заранее: 2 бита, линейная инициализация, дообучено: ошибка {pct(tuned)}")
shown5 = widgets.quantization_panel("lenet5").update(bits=2, conv_bits=2)
print(f"вживую, LeNet-5 conv 2 / fc 2 бита: ошибка {pct(shown5['error'])} на первых {shown5['test_images']:,} тестовых изображениях")
assert abs(panel.update(bits=2)["error"] - results["configs"][experiment.config_key(32, 2, "linear")]["error"]) < 1e-6
try:
    panel.update(bits=9)
except ValueError as error:
    print("bits=9 ->", error)
shown = panel.update()  # обратно к положениям элементов управления, чтобы сохранённая панель была согласована сама с собой

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Дообучите сами, вживую
#
# Один серый квадрат по-настоящему: LeNet-300-100 с 2 битами на вес, затем одна эпоха SGD по
# кодовым книгам (формула 3: каждое общее значение сдвигается на сумму градиентов своих весов; индексы
# не меняются) — несколько секунд на CPU ноутбука. С фиксированным зерном генератора и на одном потоке torch,
# поэтому напечатанные цифры одинаковы при каждом запуске.

# %% slideshow={"slide_type": "fragment"}
from coursekit import train

model = q.quantize_model_(baselines.pretrained("lenet_300_100"), 2, init="linear", kmeans=kmeans_fast.kmeans_1d)
before = train.evaluate(model)
threads = torch.get_num_threads()
torch.set_num_threads(1)  # один поток: те же суммы в том же порядке, поэтому те же цифры при каждом запуске
try:
    train.fit(model, 1, results["finetune"]["lr"], weight_decay=0, desc="дообучение, 1 эпоха")  # скорость, выбранная по валидации
finally:
    torch.set_num_threads(threads)
after = train.evaluate(model)
print(f"2 бита: ошибка на тесте {pct(before)} -> {pct(after)} после одной эпохи дообучения кодовой книги")
print(f"скорость обучения {results['finetune']['lr']:g}: наименьшая ошибка на валидации среди "
      f"{ {lr: pct(e) for lr, e in results['finetune']['lr_val_errors'].items()} } (выбор reproduce)")
assert after < before and len(q.codebook(model[1])) == 4

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: один серый квадрат по-настоящему: 2 бита, одна эпоха обучения только кодовых книг, индексы неизменны. Спросите аудиторию: сколько чисел обучает эта эпоха для fc1? (4: по одному на каждое общее значение). Сошлитесь на: Deep Compression, разд. 3.3. Время: 1 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Что мы измерили
#
# Каждая строка написана по числам, вычисленным выше (выбор — по валидационным изображениям, ошибки на
# тесте сообщаются один раз):

# %% slideshow={"slide_type": "-"}
q1, q2 = (results["configs"][experiment.config_key(32, b, "linear")] for b in (1, 2))
pq6_size = 100 * pq6["bits"] / results["dense_bits"]
say("\n".join([
    f"- **Разделение весов через k-means** (одномерный, на отсортированных значениях): при 2 битах на вес ошибка LeNet-300-100 "
    f"на тесте после дообучения {pct(q2['finetuned_error'])} ({pct(results['baseline_error'])} у плотной); "
    + (f"по валидации в пределах 0.1 пункта остаётся вариант с числом бит {bits300}, меньше в {rate300:.1f} раза." if bits300
       else "ни одна разрядность до 8 бит не остаётся в пределах 0.1 пункта на валидации."),
    f"- **Формула 1**: {r:.1f}x на примере статьи из 16 весов; на больших слоях r стремится к 32/b, кодовая книга ничего не стоит; "
    f"у conv1 в LeNet-5 при 8 битах только {r_conv1:.2f}x.",
    f"- **Начальные центроиды** (прореженная LeNet-300-100): по валидации линейная выбрана при "
    f"{listing(linear_chosen) + ' битах' if linear_chosen else 'ни одной разрядности'} из 2-6; в статье линейная лучшая везде, кроме 3 бит.",
    f"- **Дообучение кодовой книги** (формула 3): прорежено 97%, 2 бита: {pct(errors[0])} -> {pct(errors[-1])}; "
    f"все слои при 1 бите: {pct(q1['error'])} -> {pct(q1['finetuned_error'])}.",
    "- **Прореживание + квантование**: "
    + (f"степень сжатия {goal['rate']:.0f}x в пределах 0.1 пункта (выбрана по валидации; на тесте {pm(goal['test_error'])}, "
       f"цель {'достигнута' if goal['met'] else 'не достигнута'}), против {rates['pruning only']} и {rates['quantization only']} по отдельности"
       if goal["size_percent"] is not None else "ни одной модели в пределах 0.1 пункта на валидации")
    + f"; настройка статьи (прорежено в 12 раз, 6-битные веса) даёт {pq6_size:.2f}% размера при ошибке "
    f"{pct(pq6['finetuned_error'])} (в статье: {papers.DC_LENET_300_100_PQ['size_percent']}%, "
    f"{100 * papers.DC_TABLE1['lenet_300_100']['error'][1]:.2f}%).",
    f"- **Равномерные уровни** (тест, без дообучения) укладываются в 0.1 пункта начиная с бит: {u_bits or 'ни одной разрядности до 8'}, "
    f"уровни k-means — с бит: {k_bits or 'ни одной разрядности до 8'}.",
    f"- **LeNet-5** (аналог DC, таблица 6): настройки, стоящие больше 0.1 пункта: {listing(costly) if costly else 'нет'} "
    f"(у AlexNet в статье: {listing(paper_costly)}); наименьшее число бит, при котором сеть держится, по валидации: conv — "
    f"{conv_bits or 'нет до 8'}, fc — {fc_bits or 'нет до 8'}.",
]))

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: выводы в числах, каждый написан по результатам: сколько бит сеть выдерживает, какая начальная точка выигрывает, что возвращает дообучение, сколько дают прореживание + квантование и достигнута ли цель. Спросите аудиторию: какое из этих чисел вы бы первым проверили на своей сети? Время: 1 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Проверьте себя
#
# 1. Почему k x 32 бит кодовой книги пренебрежимо малы для fc1 в LeNet-300-100, но не для слоя из 16 весов?
#
#    <details><summary>Ответ</summary>
#
#    В fc1 235,200 весов: 16 общих значений стоят 512 бит против 940,800 бит 4-битных индексов. В примере статьи из 16 весов 4 x 32 = 128 бит кодовой книги вчетверо больше её 32 бит индексов.
#
#    </details>
#
# 2. Почему в одномерном случае k-means не нужна матрица расстояний?
#
#    <details><summary>Ответ</summary>
#
#    После сортировки каждый кластер — отрезок подряд идущих значений, разрезанный в серединах между соседними центроидами, поэтому назначение — это двоичный поиск, а каждое среднее — разность префиксных сумм (так делает coursekit.kmeans_fast).
#
#    </details>
#
# 3. Почему линейная инициализация может быть лучше инициализации по плотности при малой разрядности (рис. 10 статьи)?
#
#    <details><summary>Ответ</summary>
#
#    Инициализация по плотности ставит центроиды туда, где больше всего весов, около нуля; немногие большие веса, которые важнее всего для выхода, получают тогда плохое значение. Линейная распределяет центроиды по всему диапазону.
#
#    </details>
#
# 4. Какие тензоры меняются при обучаемом квантовании, а какие остаются неизменными?
#
#    <details><summary>Ответ</summary>
#
#    k разделяемых значений (кодовая книга) обучаются суммарными градиентами из формулы 3; индексы и маска прореженных весов остаются неизменными.
#
#    </details>

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: вопрос 2 (в одномерном случае не нужна матрица расстояний) стоит минуты обсуждения; затем откройте ответ. Время: 1 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Список литературы
#
# - S. Han, H. Mao, W. J. Dally. *Deep Compression: Compressing Deep Neural Networks with
#   Pruning, Trained Quantization and Huffman Coding.* ICLR 2016. arXiv:1510.00149
# - S. Han, J. Pool, J. Tran, W. J. Dally. *Learning both Weights and Connections for Efficient
#   Neural Networks.* NIPS 2015. arXiv:1506.02626 (прореженные модели в разд. 3 и 6)
# - S. P. Lloyd. *Least Squares Quantization in PCM.* IEEE Transactions on Information Theory
#   28(2):129-137, 1982 (цикл k-means Ллойда)
# - E. W. Forgy. *Cluster Analysis of Multivariate Data: Efficiency versus Interpretability of
#   Classifications.* Biometrics 21:768-769, 1965 (случайная инициализация)
# - D. Arthur, S. Vassilvitskii. *k-means++: The Advantages of Careful Seeding.* SODA 2007
# - Y. LeCun, L. Bottou, Y. Bengio, P. Haffner. *Gradient-Based Learning Applied to Document
#   Recognition.* Proceedings of the IEEE 86(11):2278-2324, 1998 (LeNet-300-100, LeNet-5, MNIST)

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: глава следует разд. 3 статьи Deep Compression; сам k-means — это цикл Ллойда 1982 года, а четыре начальные точки — это инициализация Forgy (случайная), правила статьи по плотности и линейное, и k-means++. Время: 0,5 мин.

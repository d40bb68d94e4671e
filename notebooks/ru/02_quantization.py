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
from IPython.display import display

import coursekit
from coursekit import checks, kmeans_fast, network, papers, plots, widgets
from coursekit import quantization as q
from coursekit.experiments import baselines
from coursekit.experiments import pruning as pruning_experiment
from coursekit.experiments import quantization as experiment

coursekit.set_language("ru")
plots.style()
torch.manual_seed(0)
base = baselines.pretrained("lenet_300_100")
results = experiment.load_results("lenet_300_100")
pct = lambda error: f"{100 * error:.2f}%"

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
fig, axes = plt.subplots(1, 2, figsize=(9, 3), sharey=True)
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
fig, ax = plt.subplots(figsize=(7, 3.2))
for bits in (2, 4, 8):
    ax.plot(ns, [q.compression_rate(n, 2**bits) for n in ns], label=f"k = {2**bits} ({bits}-битные индексы)")
    ax.axhline(32 / bits, color="0.6", lw=0.8, ls=":")
ax.axvline(235_200, color="tab:red", lw=1, ls="--", label="LeNet-300-100 fc1")
ax.set(xscale="log", xlabel="число весов в слое n", ylabel="степень сжатия r", ylim=(0, 17))
ax.legend()
plt.show()

# %% slideshow={"slide_type": "fragment"}
for bits in (2, 4, 8):
    k = 2**bits
    n_equal = k * 32 / bits  # n, при котором кодовая книга стоит столько же, сколько индексы
    r_fc1 = q.compression_rate(235_200, k)
    print(f"при {bits} битах: кодовая книга = индексы при n = {n_equal:,.0f};  для fc1 r = {r_fc1:.2f} (предел 32/{bits} = {32 / bits:.0f})")
    assert r_fc1 > 0.99 * 32 / bits
assert q.compression_rate(500, 256) < 0.5 * 32 / 8  # малый слой при 8 битах: кодовая книга преобладает


# %% [markdown] slideshow={"slide_type": "notes"}
# Заметки докладчика: r стремится к 32/b, как только n много больше k*32/b (пунктирные линии). Для
# больших слоёв статьи кодовая книга ничего не стоит; для conv1 в LeNet-5 (500 весов) при 8 битах
# кодовая книга из 256 значений больше самого слоя.

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
# - **random** (случайная, Forgy): k весов, выбранных случайно;
# - **density** (по плотности): равномерно по оси y функции распределения (много центроидов там, где весов много);
# - **linear** (линейная): равномерно между наименьшим и наибольшим весом;
# - **k-means++**: каждый новый центроид выбирается далеко от уже выбранных.
#
# Слой: fc1 сети LeNet-300-100 из главы о прореживании (`load_pruned`: осталось 7.5% весов fc1,
# послойный профиль статьи, ошибка на тесте 1.33%, как у плотной базовой модели).

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: k-means находит лишь локальный оптимум; его определяет начальная точка: random, density (функция распределения), linear, k-means++. На прореженном бимодальном слое density скапливает центроиды в горбах, linear покрывает большие веса. Спросите аудиторию: какие веса важнее для выхода — многочисленные малые или немногие большие? Сошлитесь на: Deep Compression, рис. 4 (три инициализации на прореженном слое) и рис. 10 (точность в зависимости от инициализации). Время: 3 мин.

# %% slideshow={"slide_type": "subslide"}
pruned = pruning_experiment.load_pruned("lenet_300_100")
w = network.layers(pruned)["fc1"].weight.detach().flatten()
w = w[w != 0].sort().values
fig, ax = plt.subplots(figsize=(8, 3.4))
ax.plot(w, np.arange(1, len(w) + 1) / len(w), color="0.3", label="функция распределения ненулевых весов")
for offset, (init, color) in enumerate(zip(q.INITS, ["tab:orange", "tab:green", "tab:blue", "tab:purple"])):
    start = np.sort(q.init_centroids(w, 16, init))
    ax.plot(start, np.full(16, -0.06 - 0.07 * offset), "|", ms=9, mew=2, color=color, label=init)
ax.set(xlabel="значение веса", ylabel="функция распределения", title=f"прореженный fc1: весов {len(w):,}, 16 начальных центроидов")
ax.legend(loc="center right")
plt.show()

# %% [markdown] slideshow={"slide_type": "notes"}
# Заметки докладчика: прореженный слой бимодален (малые веса около 0 удалены). Инициализация density
# скапливает центроиды в двух горбах; linear распределяет их равномерно, так что несколько
# попадают на редкие большие веса. Статья утверждает, что большие веса важнее, поэтому linear выигрывает.

# %% slideshow={"slide_type": "subslide"}
rows = results["pruned"]
bit_range = range(2, 7)
cells = [
    [f"{bits:d}"]
    + [f"{pct(c['error'])} -> {pct(c['finetuned_error'])}" for c in (rows[f"final/{bits}/{init}"] for init in q.INITS)]
    for bits in bit_range
]
display(plots.table(
    cells, ["бит", *q.INITS], caption="прореженная LeNet-300-100, ошибка на тесте после квантования -> после дообучения",
    note=f"прореженная модель до квантования: {pct(results['pruning']['final']['error'])}",
))

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: таблица: прореженная LeNet-300-100, квантованная до 2-6 бит с каждой начальной точкой, ошибка после квантования и после дообучения. Спросите аудиторию: при какой разрядности начальная точка перестаёт иметь значение? (6 бит). Сошлитесь на: Deep Compression, рис. 10. Время: 1,5 мин.

# %% slideshow={"slide_type": "subslide"}
fig, axes = plt.subplots(1, 2, figsize=(9, 3), sharey=True)
for ax, field, title in zip(axes, ["error", "finetuned_error"], ["после квантования", "после дообучения"]):
    for init in q.INITS:
        ax.plot(list(bit_range), [100 * rows[f"final/{b}/{init}"][field] for b in bit_range], "o-", ms=4, label=init)
    ax.set(title=title, xlabel="бит на вес", yscale="log")
axes[0].set_ylabel("ошибка на тесте (%)")
axes[0].legend()
plt.show()

# %% slideshow={"slide_type": "fragment"}
best = {b: min(q.INITS, key=lambda init: rows[f"final/{b}/{init}"]["finetuned_error"]) for b in bit_range}
print("лучшая инициализация после дообучения, по разрядности:", best)
noise = np.sqrt(0.015 * 0.985 / 10_000)  # одна стандартная ошибка для ошибки ~1.5%, измеренной на 10,000 изображений
tuned = lambda b, init: rows[f"final/{b}/{init}"]["finetuned_error"]
spread = {b: max(tuned(b, i) for i in q.INITS) - min(tuned(b, i) for i in q.INITS) for b in bit_range}
print(f"разброс между инициализациями (от лучшей до худшей), в пунктах: { {b: round(100 * s, 2) for b, s in spread.items()} }; шум теста +-{100 * noise:.2f}")
for b in bit_range:  # linear — лучшая начальная точка или в пределах шума теста от лучшей, при любой разрядности
    assert tuned(b, "linear") <= min(tuned(b, i) for i in q.INITS) + noise
for b in (3, 4):  # при 3-4 битах она лучше density больше чем на шум (и лучше random при 3 битах)
    assert tuned(b, "density") > tuned(b, "linear") + noise
assert tuned(3, "random") > tuned(3, "linear") + noise
assert spread[6] < noise  # при 6 битах начальная точка уже не важна


# %% [markdown] slideshow={"slide_type": "fragment"}
# **Что мы измеряем:** linear — лучшая начальная точка (или в пределах шума теста от лучшей) при
# любой разрядности, явно лучше density при 3-4 битах и лучше random при 3; при 6 битах начальная
# точка уже не важна. В статье linear лучшая везде, кроме 3 бит (AlexNet); на LeNet-300-100 она
# лучшая и при 3 битах.

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: то же в виде кривых, и лучшая начальная точка для каждой разрядности после дообучения: linear лучшая или наравне с лучшей везде, явно — при 3-4 битах. Спросите аудиторию: совпадает ли это с выводом статьи? (да, кроме AlexNet при 3 битах в статье). Время: 1,5 мин.

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
fig, ax = plt.subplots(figsize=(7, 3))
ax.plot(steps, [100 * e for e in errors], "o-", ms=3, label="LeNet-300-100, прорежено 97%, 2 бита: дообучение")
ax.axhline(100 * results["pruning"]["layer 97%"]["error"], color="0.4", ls="--", label="прорежено 97%, 32 бита")
ax.set(xlabel="шаги дообучения (батчи по 64)", ylabel="ошибка на тесте (%)")
ax.legend()
plt.show()
print(f"2 бита: {pct(errors[0])} после квантования -> {pct(errors[-1])} после дообучения (шагов: {steps[-1]})")
assert errors[-1] < errors[0] - 0.003  # дообучение 4 общих значений на слой возвращает часть потерь


# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: дообучение кодовой книги после квантования прореженной на 97% сети до 2 бит: ошибка падает с 2.86% к 2.49% за несколько сотен шагов. Спросите аудиторию: как мало чисел здесь обучается? Сошлитесь на: Deep Compression, разд. 3.3. Время: 1 мин.

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
# на LeNet-5 (линейная инициализация; дообучение на одну двадцатую эпохи) рядом с числами статьи для
# AlexNet (ImageNet: процитированы, здесь не воспроизводятся).

# %% slideshow={"slide_type": "fragment"}
lenet5 = experiment.load_results("lenet5")
cells = []
table6 = {}
for (conv, fc), (paper_top1, _) in papers.DC_TABLE6.items():
    row = lenet5["configs"][experiment.config_key(conv, fc, "linear")]
    tuned = row["finetuned_error"] if (conv, fc) != (32, 32) else row["error"]
    table6[conv, fc] = tuned
    cells.append([f"{conv:d} / {fc:d}", pct(row["error"]), pct(tuned), f"{lenet5['dense_bits'] / row['bits']:.1f}x", f"{100 * paper_top1:.2f}%"])
display(plots.table(
    cells, ["бит conv/fc", "квантованная", "дообученная", "меньше в", "статья, top-1"],
    caption="LeNet-5 (наша, MNIST) рядом с AlexNet (статья, ImageNet top-1, цитата)",
))
base5 = lenet5["baseline_error"]
assert abs(table6[8, 5] - base5) < 0.0005 and abs(table6[8, 4] - base5) < 0.0005  # как в статье: без потерь
assert table6[4, 2] > base5 + 0.001  # как в статье: 4/2 — первая настройка, которая стоит точности

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: свёрточные и полносвязные слои квантуются по отдельности: до дообучения хрупкие — свёрточные, как и в статье; после дообучения небольшие свёрточные слои LeNet-5 восстанавливаются вплоть до 2 бит. Спросите аудиторию: почему свёрточным слоям может требоваться больше бит, чем полносвязным? Сошлитесь на: Deep Compression, таблица 6 и рис. 7 (AlexNet: conv около 4 бит, fc около 2). Время: 3 мин.

# %% slideshow={"slide_type": "subslide"}
fig, axes = plt.subplots(1, 2, figsize=(9, 3), sharey=True)
for ax, kind in zip(axes, ["conv", "fc"]):
    keys = [experiment.config_key(b, 32, "linear") if kind == "conv" else experiment.config_key(32, b, "linear") for b in range(1, 9)]
    for field, label in [("error", "квантованная"), ("finetuned_error", "дообученная")]:
        ax.plot(range(1, 9), [100 * lenet5["configs"][k][field] for k in keys], "o-", ms=4, label=label)
    ax.axhline(100 * lenet5["baseline_error"], color="0.4", ls="--", lw=1, label="32 бита")
    ax.set(title=f"LeNet-5: квантованы только слои {kind}", xlabel="бит", yscale="log")
axes[0].set_ylabel("ошибка на тесте (%)")
axes[0].legend()
plt.show()
conv_curve = {b: lenet5["configs"][experiment.config_key(b, 32, "linear")]["finetuned_error"] for b in range(1, 9)}
fc_curve = {b: lenet5["configs"][experiment.config_key(32, b, "linear")]["finetuned_error"] for b in range(1, 9)}
print("бит conv -> ошибка:", {b: pct(e) for b, e in conv_curve.items()})
print("бит fc   -> ошибка:", {b: pct(e) for b, e in fc_curve.items()})
raw = lambda conv, fc: lenet5["configs"][experiment.config_key(conv, fc, "linear")]["error"]
assert raw(1, 32) > 5 * raw(32, 1)  # до дообучения 1-битные свёрточные слои вредят гораздо сильнее, чем 1-битные полносвязные
assert conv_curve[2] < base5 + 0.001 and conv_curve[1] > 2 * base5  # после дообучения conv держится до 2 бит
assert fc_curve[2] > base5 + 0.0015 and all(fc_curve[b] < base5 + 0.001 for b in range(3, 9))  # fc держится до 3 бит

# %% [markdown] slideshow={"slide_type": "fragment"}
# **Что мы измеряем на LeNet-5.** До дообучения хрупкие — свёрточные слои (1 бит: ошибка 13.80%
# против 1.45% для 1-битных полносвязных слоёв), как и в статье. Но два свёрточных слоя LeNet-5 малы
# (25,500 весов), и дообучение их немногих разделяемых значений возвращает большую часть потерь:
# свёрточные слои держатся до 2 бит, полносвязные — до 3. AlexNet в статье нужно около 4 бит в
# свёрточных слоях и 2 в полносвязных: гораздо бо́льшая сеть на гораздо более трудной задаче.

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: свёрточные и полносвязные слои LeNet-5 квантуются по отдельности, до и после дообучения: до него хрупкие свёрточные, после него восстанавливаются оба вида. Спросите аудиторию: почему малый свёрточный слой может восстановиться после 2 бит? (мало разделяемых значений для настройки, мало весов). Сошлитесь на: Deep Compression, рис. 7. Время: 1,5 мин.

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
assert all(fc_tuned[b] < results["baseline_error"] + 0.0005 for b in range(4, 9))  # от 4 бит и выше: без потерь
assert fc_tuned[3] < results["baseline_error"] + 0.003 and fc_tuned[2] > results["baseline_error"] + 0.005
assert fc_tuned[1] > 0.3  # 1 бит (два значения на слой) ломает сеть

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: LeNet-300-100 со всеми квантованными слоями, от 1 до 8 бит в fc: начиная с 4 бит без потерь, в 8 раз меньше. Спросите аудиторию: какова степень сжатия при 4 битах с учётом кодовой книги? (около 8x). Сошлитесь на: Deep Compression, таблица 6. Время: 1 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. Прореживание и квантование вместе (DC, рис. 6)
#
# Модель размера (веса и смещения): прореженный слой хранит каждый оставшийся вес с 5-битным
# относительным индексом; квантованный хранит b-битные индексы плюс свою кодовую книгу (`q.model_bits`).
# Три кривые на LeNet-300-100: только прореживание (дообученные модели из главы о прореживании: её
# послойная сетка и итоговая модель, сжатая в 12.7 раза), только квантование (с дообучением) и оба
# (те же прореженные модели, квантованные до 2-6 бит и дообученные). Каждая кривая оставляет лучшие
# компромиссы: точки, которые не превосходит ни одна меньшая модель.

# %% slideshow={"slide_type": "fragment"}
curves = experiment.fig6_curves(results)  # {метод: [(размер %, ошибка %)]}: глава об SVD добавляет свою кривую
fig, ax = plt.subplots(figsize=(7, 3.4))
plots.error_vs_size(ax, curves, baseline_error=100 * results["baseline_error"])
ax.set_ylim(1, 4)
plt.show()

# %% slideshow={"slide_type": "fragment"}
def smallest_size(points, max_error):
    """Наименьший размер модели (%) среди точек, у которых ошибка (%) не больше ``max_error``."""
    return min(size for size, error in points if error <= max_error)


target = round(100 * results["baseline_error"] + 0.1, 2)  # ошибка на тесте (%): не более чем на 0.1 пункта выше базовой
best = {method: smallest_size(points, target) for method, points in curves.items()}
for method, size in best.items():
    print(f"{method:>24s}: наименьшая модель с ошибкой <= {target}%: {size:.2f}% от 32-битной (в {100 / size:.0f} раз меньше)")
assert best["pruning + quantization"] * 4 < best["pruning only"]
assert best["pruning + quantization"] * 5 < best["quantization only"]
pq6 = results["pruned"]["final/6/linear"]
print(f"настройка статьи для LeNet-300-100 (прорежено в 12 раз, 6-битные веса, 5-битные индексы): у нас {100 * pq6['bits'] / results['dense_bits']:.2f}% "
      f"размера, ошибка {pct(pq6['finetuned_error'])};  в статье {papers.DC_LENET_300_100_PQ['size_percent']}% ({papers.DC_LENET_300_100_PQ['rate']}x), ошибка 1.58%")
assert abs(100 * pq6["bits"] / results["dense_bits"] - papers.DC_LENET_300_100_PQ["size_percent"]) < 0.3

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: три кривые: только прореживание, только квантование, оба; вместе — в 48 раз меньше в пределах 0.1 пункта от базовой модели, против 11x и 8x по отдельности. Спросите аудиторию: почему два метода перемножаются, а не перекрываются? Сошлитесь на: Deep Compression, рис. 6 (прореживание + квантование лучше всего работают вместе). Время: 2 мин.

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
uniform, kmeans = results["uniform"], {b: results["configs"][experiment.config_key(32, b, "linear")]["error"] for b in range(1, 9)}
assert uniform["2"] > 0.5 and kmeans[2] < 0.03  # 4 равноотстоящих уровня ломают сеть, 4 уровня k-means — нет
assert uniform["3"] > 3 * kmeans[3] and uniform["4"] > kmeans[4] + 0.002
assert abs(uniform["6"] - results["baseline_error"]) < 0.001  # при 64 уровнях хватает даже равномерного

# %% [markdown] slideshow={"slide_type": "notes"}
# Заметки докладчика: равномерные уровни расставлены под крайние значения, поэтому большинство уровней
# оказывается в почти пустых хвостах, а плотной середине достаются один-два. k-means тратит уровни
# там, где есть веса, а её дообученная кодовая книга возвращает ещё больше. Равномерное квантование
# выигрывает простотой аппаратуры: никакого поиска по кодовой книге, целочисленная арифметика.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8. Попробуйте вживую: ползунок числа бит
#
# Число бит на вес fc и начальная точка центроидов: каждое движение по-настоящему запускает k-means
# на каждом слое LeNet-300-100 (одномерный, на отсортированных значениях), оценивает сеть на всех
# 10,000 тестовых изображениях и перерисовывает. Серым — гистограмма весов fc1; красным — общие
# значения, их высота — число весов, которые их разделяют. Синяя кривая собирает то, что вы
# попробовали (без обучения). Серые квадраты **посчитаны заранее** командой
# `python -m coursekit.reproduce quantization`: те же кодовые книги, но *дообученные* (разд. 3.3), а
# это требует обучения. Кодовая книга зависит только от слоя, числа бит и начальной точки, поэтому
# панель хранит каждую вычисленную: возврат к настройке стоит только оценки.

# %% [markdown] slideshow={"slide_type": "skip"}
# `widgets.quantization_panel(my_model)` принимает вашу сеть, `kmeans=` — функцию с сигнатурой
# `q.kmeans_1d` (например, построенную на вашем `lloyd_step`), а `widgets.quantization_panel("lenet5")`
# добавляет ползунок бит для свёрточных слоёв (LeNet-5, первые 400 тестовых изображений).

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# (интерактивный виджет: его числа напечатаны и проверены ниже)
panel = widgets.quantization_panel()
panel.widget

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: в живой тетрадке двигайте ползунок бит: k-means запускается на каждом слое, и сеть оценивается на 10,000 изображений; в статичной презентации пролистайте кадры (от 1 до 6 бит). Спросите аудиторию: начиная с какого числа бит ошибка перестаёт меняться? (около 4). Время: 2,5 мин.

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
# примерно с 4 бит кривая ровная. Спросите аудиторию: сколько бит вы бы выбрали для продукта? Сошлитесь на:
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
    train.fit(model, 1, experiment.FINE_TUNE["lenet_300_100"]["lr"], weight_decay=0, desc="дообучение, 1 эпоха")
finally:
    torch.set_num_threads(threads)
after = train.evaluate(model)
print(f"2 бита: ошибка на тесте {pct(before)} -> {pct(after)} после одной эпохи дообучения кодовой книги")
assert after < before and len(q.codebook(model[1])) == 4

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: один серый квадрат по-настоящему: 2 бита, одна эпоха обучения только кодовых книг, индексы неизменны. Спросите аудиторию: сколько чисел обучает эта эпоха для fc1? (4: по одному на каждое общее значение). Сошлитесь на: Deep Compression, разд. 3.3. Время: 1 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Что мы измерили
#
# - **Разделение весов через k-means** (одномерный, на отсортированных значениях): уже 2 бита на вес
#   сохраняют ошибку LeNet-300-100 на уровне 2.45% (1.33% у плотной); начиная с 4 бит потерь нет,
#   модель в 8 раз меньше.
# - **Формула (1)**: 3.2x на примере статьи из 16 весов; на больших слоях r = 32/b, кодовая книга ничего не стоит.
# - **Начальные центроиды** (LeNet-300-100 из главы о прореживании, сжатая в 12.7 раза): linear лучшая
#   или наравне с лучшей при любой разрядности и явно лучшая при 3-4 битах (1.39% / 1.31% против
#   1.59% / 1.51% для density); при 6 битах начальная точка уже не важна. В статье linear лучшая,
#   кроме 3 бит.
# - **Дообучение кодовой книги** (формула 3) помогает там, где квантование навредило (прорежено 97%,
#   2 бита: 2.86% -> 2.49%; 1 бит: 90% -> 53%), а в остальных случаях остаётся в пределах шума теста.
# - **Прореживание + квантование**: в пределах 0.1 пункта от базовой модели модель в 48 раз меньше,
#   против 11x только для прореживания и 8x только для квантования; настройка статьи для
#   LeNet-300-100 (прорежено в 12 раз, 6-битные веса, 5-битные индексы) даёт 2.88% размера при ошибке
#   1.34% (в статье: 3.1%, 1.58%).
# - **Равномерным уровням** нужно примерно на 2 бита больше, чем k-means, для той же ошибки.
# - **LeNet-5** (аналог DC, таблица 6): 8/5 и 8/4 бита ничего не стоят (0.73% / 0.76%, базовая модель
#   0.73%), 4/2 бита стоят 0.2 пункта (0.92%) — та же картина, что у AlexNet в статье (42.78 / 42.79 /
#   44.77%). После дообучения свёрточные слои держатся до 2 бит, а полносвязные — до 3.

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: выводы в числах: 4 бита ничего не теряют, линейная инициализация лучшая, дообучение помогает там, где квантование навредило, прореживание + квантование — 48x. Спросите аудиторию: какое из этих чисел вы бы первым проверили на своей сети? Время: 1 мин.

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
# 3. Почему линейная инициализация лучше инициализации по плотности при 3-4 битах?
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

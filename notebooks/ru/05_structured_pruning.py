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
# # Структурное прореживание: удаляем карты признаков целиком
#
# Прореживание по модулю (тетрадка 01) обнуляет 90% весов, но тензоры сохраняют свою форму.
# Здесь мы удаляем **карты признаков (feature maps) целиком** (выходные каналы свёртки или скрытые
# нейроны) — это структурное прореживание (structured pruning). После него остаётся меньшая
# *плотная* сеть, которая работает быстрее на любом оборудовании.
#
# Какие карты удалять? Molchanov, Tyree, Karras, Aila, Kautz, *Pruning Convolutional Neural Networks for
# Resource Efficient Inference* (ICLR 2017) ранжируют их оценкой **Тейлора** первого порядка —
# насколько изменится функция потерь, если карту удалить, — и прореживают итеративно:
# ранжировать, удалить худшие, немного дообучить, повторить.

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: удаляем карты целиком, а не отдельные веса: остаётся меньшая плотная сеть, быстрее где угодно; карты ранжируются оценкой Тейлора первого порядка для изменения функции потерь. Спросите аудиторию: почему удаление 90% весов не делает сеть быстрее? Сошлитесь на: Molchanov et al. 2017, разд. 1 и рис. 1 (цикл «прореживание — дообучение»). Время: 1,5 мин.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Перед началом
#
# **Вы научитесь**
#
# - вычислять критерий Тейлора для каждой карты признаков по активациям и градиентам (формула 8);
# - нормировать оценки внутри слоя, чтобы слои соревновались в одном списке;
# - выбирать следующие карты для удаления;
# - удалять скрытые нейроны из пары слоёв («хирургия») и получать меньшую плотную сеть.
#
# **Что нужно знать заранее:** тетрадки 01 и 04; свёртки тензоров (`mean` по измерениям), булева индексация.
#
# **Время:** около 35 минут на чтение и запуск, плюс 4 упражнения (около 40 минут).
#
# **Упражнения.** Каждая ячейка «Упражнение» просит реализовать один шаг метода — короткую функцию,
# тело которой — `raise NotImplementedError()`: замените его своим кодом и запустите ячейку под ней.
# Она проверяет вашу функцию на собственных примерах и печатает `пройдено случаев: N` или первый
# непройденный случай с подсказкой (`ещё не сделано`, пока тело не изменено). Остальной части
# тетрадки ваши ответы не нужны: она использует собственную реализацию coursekit. Решения — в
# тетрадке преподавателя с тем же именем в `notebooks/ru/`, по соседству с вашей копией в
# `release/notebooks/ru/`.

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: четыре упражнения (оценки Тейлора, нормировка внутри слоя, выбор карт, «хирургия»); делаются дома. Время: 0,5 мин.

# %% slideshow={"slide_type": "skip"}
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from IPython.display import display
from safetensors.torch import load_file, save_file
from torch import nn

import coursekit
from coursekit import checks, network, papers, plots, structured, train, widgets
from coursekit.data import load_mnist
from coursekit.experiments import baselines
from coursekit.experiments import structured as experiment

coursekit.set_language("ru")  # язык того, что печатает coursekit (английское издание говорит "en")
plots.style()
# как рисунки и таблицы называют сети и критерии (ключи данных — идентификаторы)
NETWORKS = {"lenet5": "LeNet-5", "lenet_300_100": "LeNet-300-100"}
CRITERIA = {"taylor": "Тейлор", "taylor+flops": "Тейлор + FLOPs", "weight": "мин. вес", "activation": "ср. активация", "apoz": "APoZ", "random": "случайный"}
dense = baselines.pretrained("lenet5")
trajectories = experiment.load("trajectories")
small = experiment.load("lenet5_pruned")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Почему важна структура
#
# Возьмём обученную LeNet-5 и обнулим 90% её самых малых весов (неструктурированно). Каждый тензор
# сохраняет форму, поэтому плотное ядро выполняет ровно те же умножения-сложения, включая нули.
# Рядом — LeNet-5, которую эта тетрадка строит, удаляя карты признаков целиком (раздел 4).

# %% slideshow={"slide_type": "fragment"}
sparse = structured.zero_smallest_weights(dense, 0.9)
nets = {"плотная LeNet-5": dense, "обнулено 90% весов": sparse, "удалены карты признаков": small}
nonzero = lambda m: sum(int((p != 0).sum()) for p in m.parameters())
print(f"{'сеть':24s} {'conv1':>16s} {'conv2':>16s} {'ненулевых парам.':>16s} {'MFLOPs':>7s}")
for name, net in nets.items():
    print(f"{name:24s} {str(tuple(net[0].weight.shape)):>16s} {str(tuple(net[2].weight.shape)):>16s} {nonzero(net):16,d} {network.flops(net) / 1e6:7.2f}")
assert network.flops(sparse) == network.flops(dense) == 4_586_000  # нули всё равно умножаются
assert abs(nonzero(sparse) / nonzero(dense) - 0.1) < 0.01
assert network.flops(small) < network.flops(dense) / 3

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# Почему: время по часам меняется от запуска к запуску и от машины к машине.
# Аккуратное измерение (больше повторов, в том числе батч из 1) — benchmarks/bench_structured.py.
latency = {name: structured.latency_ms(net, batch=256, repeats=10) for name, net in nets.items()}
for name, ms in latency.items():
    print(f"{name:24s} {ms:6.2f} мс на 256 изображений (медиана 10 запусков)")

# %% [markdown] slideshow={"slide_type": "notes"}
# Заметки докладчика: обнулённая сеть ничуть не быстрее; объясните почему: плотная свёртка или
# матричное умножение не смотрит на значения. Разреженные ядра существуют, но им нужны очень высокая
# разреженность (sparsity) и специальное оборудование (EIE), чтобы выиграть. Удаление карт даёт
# другую сеть, меньшую в каждом тензоре.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Какую карту удалить? Пять критериев и оракул
#
# Для карты признаков $z$ из $M$ позиций (для нейрона $M = 1$) и функции потерь $C$:
#
# | критерий | оценка карты (меньше — удаляется раньше) |
# |---|---|
# | **Тейлор** (формула 8) | $\left\lvert \frac{1}{M} \sum_m \frac{\partial C}{\partial z_m} z_m \right\rvert$ для каждого примера, усреднённое по батчу |
# | минимальный вес | средний квадрат веса ядра, порождающего карту |
# | средняя активация | среднее $\lvert z\rvert$ (после ReLU это средняя активация) |
# | APoZ | 1 - средняя доля нулей в $z$ (только после ReLU) |
# | случайный | равномерный шум |
#
# Каждый критерий нормируется внутри слоя, $\Theta / \sqrt{\sum_j \Theta_j^2}$, чтобы слои
# соревновались в одном списке. Тейлор — оценка первого порядка для $\lvert C(z = 0) - C \rvert$;
# **оракул** — само это изменение, измеренное удалением каждой карты по отдельности. Оба мы
# вычисляем на 1,000 обучающих изображений.

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: пять критериев: Тейлор (активация x градиент), минимальный вес, средняя активация, APoZ (только на нейронах с ReLU), случайный — против оракула, который действительно удаляет каждую карту; в статье лучше всего с ним коррелирует Тейлор. Статья пробует ещё стандартное отклонение активации и взаимную информацию: их числа мы приводим под таблицей, но сами их не вычисляем. Спросите аудиторию: почему оракул слишком дорог для практики? (один прямой проход на каждую карту на каждом шаге). Сошлитесь на: Molchanov et al. 2017, формула 8 и таблица 2 (корреляция Спирмена с оракулом). Время: 3 мин.

# %% [markdown] slideshow={"slide_type": "subslide"}
# **APoZ на LeNet-5.** В LeNet-5 из Caffe после свёрток нет ReLU: карта свёртки никогда не бывает
# в точности нулевой, поэтому её APoZ равен 0 для каждой карты и ничего не ранжирует. Мы не
# придумываем порог; мы используем APoZ только там, где он определён, — на ReLU-нейронах LeNet-300-100.

# %% slideshow={"slide_type": "fragment"}
compared = experiment.load("criteria")
units = {("lenet5", "conv1"), ("lenet5", "conv2"), ("lenet_300_100", "fc1"), ("lenet_300_100", "fc2")}
rho = {}
for name, unit in sorted(units):
    scores = {c: torch.tensor(v) for c, v in compared[name][unit].items() if c != "oracle"}
    rho[unit] = structured.rank_correlations({unit: scores}, {unit: compared[name][unit]["oracle"]})[unit]
names = ["taylor", "weight", "activation", "apoz", "random"]
cells = [[unit] + [f"{by[c]:.2f}" if c in by else "-" for c in names] for unit, by in rho.items()]
paper = papers.MOLCHANOV_SPEARMAN["vgg16 per layer"]
cells.append(["VGG-16 (статья)", f"{paper['taylor']:.2f}", f"{paper['min weight']:.2f}", f"{paper['mean activation']:.2f}", "-", "-"])
display(plots.table(
    cells, ["слой"] + [CRITERIA[c] for c in names], caption="Ранговая корреляция Спирмена с оракулом (наша, 1,000 обучающих изображений MNIST)",
    paper=[len(cells) - 1],
    note=f"статья: Molchanov et al. 2017, VGG-16 на Birds-200, по слоям; также ст. откл. активации {paper['activation std']:.2f}, "
         f"взаимная информация {paper['mutual info']:.2f}",
))

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: ранговые корреляции каждого критерия с оракулом, слой за слоем; APoZ ничего не ранжирует на LeNet-5 из Caffe (нет ReLU после свёрток). Спросите аудиторию: чем полезна строка «случайный» в этой таблице? Сошлитесь на: Molchanov et al. 2017, таблица 2. Время: 1 мин.

# %% [markdown] slideshow={"slide_type": "subslide"}
# Что говорит таблица, слой за слоем (прочитано из её чисел; «лучший» допускает ничью в пределах 0.01):

# %% slideshow={"slide_type": "fragment"}
best = {unit: [c for c in by if by[c] >= max(by.values()) - 0.01] for unit, by in rho.items()}
for unit, winners in best.items():
    print(f"{unit}: лучший — {' и '.join(CRITERIA[c] for c in winners)} ({max(rho[unit].values()):.2f}); Тейлор {rho[unit]['taylor']:.2f}")
taylor_best = [unit for unit, winners in best.items() if "taylor" in winners]
print(f"Тейлор — лучший критерий на слоях: {len(taylor_best)} из {len(best)} ({', '.join(taylor_best)}); "
      f"случайный не ранжирует ничего (|rho| не больше {max(abs(by['random']) for by in rho.values()):.2f}).")
gap = max(by["taylor"] - by["weight"] for by in rho.values())
print(f"Тейлор минус минимальный вес: не больше {gap:.2f} здесь, {paper['taylor'] - paper['min weight']:.2f} в статье.")
for unit, by in rho.items():
    assert by["taylor"] > 0.5 and abs(by["random"]) < 0.35, unit  # Тейлор следует за оракулом, случайный — нет
assert gap < paper["taylor"] - paper["min weight"]  # наши разрывы меньше

# %% [markdown] slideshow={"slide_type": "fragment"}
# Тейлор следует за оракулом на каждом слое, но большой разрыв статьи над минимальным весом на этих
# маленьких сетях для MNIST не проявляется (последняя строка выше). Статья измеряла его на VGG-16,
# дообученной под новую задачу (Birds-200), где веса меньше говорят о новой функции потерь.

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: напечатанные строки говорят, где лучший Тейлор, а где выигрывает минимальный вес; Тейлор следует за оракулом на каждом слое, но большой разрыв статьи над минимальным весом на этих маленьких сетях не проявляется. Время: 0,5 мин.

# %% [markdown] slideshow={"slide_type": "subslide"}
# Корреляция Спирмена — это обычная корреляция **рангов**: поэтому мы рисуем ранг каждой карты по
# критерию (1 = удаляется первой) против её ранга по оракулу.

# %% slideshow={"slide_type": "fragment"}
def ranks(values):
    """Ранг каждого значения, 1 для наименьшего (равные упорядочены по позиции)."""
    return torch.tensor(values).argsort().argsort() + 1


fig, axes = plt.subplots(2, 4, figsize=(11, 5.6))
for row, (name, unit) in zip(axes, [("lenet5", "conv2"), ("lenet_300_100", "fc1")]):
    oracle = ranks(compared[name][unit]["oracle"])
    for ax, c in zip(row, ["taylor", "weight", "activation", "apoz" if name == "lenet_300_100" else "random"]):
        ax.scatter(ranks(compared[name][unit][c]), oracle, s=8)
        ax.set(title=f"{NETWORKS[name]} {unit}\n{CRITERIA[c]}: \u03c1 = {rho[unit][c]:.2f}", xlabel=f"ранг: {CRITERIA[c]}")
    row[0].set_ylabel("ранг по оракулу")
fig.tight_layout()
plt.show()
for name, unit in [("lenet5", "conv2"), ("lenet_300_100", "fc1")]:  # нарисованные ранги дают rho из таблицы
    oracle = ranks(compared[name][unit]["oracle"]).double()
    for c in ["taylor", "weight"]:
        r = ranks(compared[name][unit][c]).double()
        pearson = torch.corrcoef(torch.stack([r, oracle]))[0, 1].item()
        assert abs(pearson - rho[unit][c]) < 0.02, (unit, c, pearson, rho[unit][c])


# %% [markdown] slideshow={"slide_type": "notes"}
# Заметки докладчика: идеальный критерий кладёт карты на диагональ; случайный рассыпает их по
# всему квадрату. Приведите таблицу 2 статьи: на VGG-16, дообученной на Birds-200, Тейлор
# достигает 0.73 против 0.27 (минимальный вес), 0.56 (средняя активация), 0.57 (ст. откл.
# активации) по слоям; на AlexNet/ImageNet — 0.58 против 0.57 у весов. Наши LeNet на MNIST
# крошечные, поэтому разрывы меньше: читайте таблицу выше, а не таблицу статьи.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Упражнение 5.1 (2 балла): критерий Тейлора (формула 8)
#
# Напишите `taylor_scores(z, grad)`: `z` и `grad` — тензоры `N x C x M`: `C` карт слоя в `M`
# позициях для `N` примеров, и dC/dz. Для каждого примера и каждой карты возьмите абсолютное
# значение среднего по позициям от `z * grad`; затем усредните по примерам. Верните `C` оценок.
#
# Ячейка ниже проверяет вашу функцию на собственных примерах, сравнивая с `structured.taylor` из coursekit.

# %% nbgrader={"grade": false, "grade_id": "taylor_scores", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def taylor_scores(z, grad):
    """Molchanov, формула 8: |среднее по позициям z dC/dz|, усреднённое по примерам; C оценок."""
    ### BEGIN SOLUTION
    return (z * grad).mean(2).abs().mean(0)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_taylor_scores", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_taylor_scores(taylor_scores)


# %% [markdown] slideshow={"slide_type": "skip"}
# ### Упражнение 5.2 (1 балл): нормировка внутри слоя
#
# Напишите `l2_normalize(scores)`: оценки слоя, делённые на их L2-норму,
# `theta / sqrt(sum_j theta_j**2)` (разд. 2.2).
#
# Ячейка ниже проверяет вашу функцию на собственных примерах, сравнивая с `structured.l2_normalize` из coursekit.

# %% nbgrader={"grade": false, "grade_id": "l2_normalize", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def l2_normalize(scores):
    """``scores``, делённые на их евклидову норму."""
    ### BEGIN SOLUTION
    return scores / torch.sqrt((scores**2).sum())
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_l2_normalize", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_l2_normalize(l2_normalize)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Итеративное прореживание: ошибка в зависимости от FLOPs
#
# От обученной сети: оценить каждую карту, удалить худшие, дообучить (fine-tuning) на 30
# минибатчах по 64, повторить (заранее вычислено командой `python -m coursekit.reproduce structured`).
# LeNet-5: 70 свёрточных карт, по две за шаг; LeNet-300-100: 400 скрытых нейронов, по десять за шаг
# (статья удаляет по одной за шаг; мы удаляем больше, чтобы запуск был коротким).
# `taylor+flops` добавляет регуляризацию FLOPs из статьи, $\Theta - \lambda\,\Theta^{flops}_l$: оценка
# карты уменьшается на $\lambda$ = 0.3 за каждый MFLOP, который она стоит (её доля в её слое и в
# следующем), поэтому дорогие карты conv1 уходят первыми.

# %% slideshow={"slide_type": "fragment"}
fig, axes = plt.subplots(1, 2, figsize=(11, 3.7))
for ax, name in zip(axes, ["lenet5", "lenet_300_100"]):
    for criterion, points in trajectories[name].items():
        ax.plot([p["flops"] / 1e6 for p in points], [100 * p["error"] for p in points], ".-", label=CRITERIA[criterion])
    ax.set(xlabel="MFLOPs на изображение", ylabel="ошибка на тесте (%)", yscale="log", title=NETWORKS[name])
    plots.log_ticks_125(ax.yaxis)
    ax.set_ylim(bottom=1)  # чтобы линия 1% была подписана
    ax.invert_xaxis()
    ax.legend()
fig.tight_layout()
plt.show()


# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: ранжировать, удалить худшие карты, немного дообучить, повторить; кривые ошибки в зависимости от оставшихся FLOPs (чем меньше FLOPs, тем правее): к половине FLOPs случайный критерий — самая высокая кривая на обеих сетях, а на LeNet-300-100 APoZ и средняя активация идут выше Тейлора и минимального веса; Тейлор и минимальный вес идут близко друг к другу, а кто где впереди, говорит таблица на следующем слайде. Спросите аудиторию: зачем нормировать оценки внутри слоя? (слои соревнуются в одном списке). Упомяните: lambda = 1e-3 в статье дана без единиц измерения FLOPs, поэтому наше значение (0.3 на MFLOP) — наш собственный выбор; FLOPs = 2 x умножения-сложения на изображение, как в таблице 3 Han et al. (LeNet-5: 4.59 MFLOPs). Сошлитесь на: Molchanov et al. 2017, рис. 4 (прореживание VGG-16 на Birds-200: там лучший Тейлор). Время: 2,5 мин.

# %% slideshow={"slide_type": "subslide"}
def error_at(points, fraction):
    """Ошибка на тесте на первом шаге, где осталось не больше доли ``fraction`` от начальных FLOPs."""
    return next(p["error"] for p in points if p["flops"] <= fraction * points[0]["flops"])


assert trajectories["settings"]["flops_weight"] == 0.3  # lambda, указанная выше
at = {name: {c: {f: error_at(points, f) for f in (0.5, 0.25)} for c, points in trajectories[name].items()} for name in ("lenet5", "lenet_300_100")}
cells = [[NETWORKS[name], CRITERIA[c], f"{100 * e[0.5]:.2f}%", f"{100 * e[0.25]:.2f}%"] for name, by in at.items() for c, e in by.items()]
display(plots.table(cells, ["сеть", "критерий", "50% FLOPs", "25% FLOPs"], caption="ошибка на тесте при 50% / 25% FLOPs"))

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: таблица снимает кривые при половине и четверти FLOPs; случайный критерий везде хуже всех. Спросите аудиторию: какой критерий вы выбрали бы по одной этой таблице? Время: 1 мин.

# %% slideshow={"slide_type": "subslide"}
for name, by in at.items():
    assert by["taylor"][0.25] < by["random"][0.25] and by["weight"][0.25] < by["random"][0.25]  # ранжирование важно
    n = trajectories["settings"]["schedule"][name]["test_images"] or 10_000
    t, w = by["taylor"][0.25], by["weight"][0.25]
    se = (train.standard_error(t, n) ** 2 + train.standard_error(w, n) ** 2) ** 0.5  # разности
    verdict = "в пределах шума" if abs(t - w) < 2 * se else ("впереди Тейлор" if t < w else "впереди минимальный вес")
    print(f"{NETWORKS[name]} при 25% FLOPs (тестовых изображений: {n:,}): Тейлор {100 * t:.2f}%, мин. вес {100 * w:.2f}%,\n"
          f"  разница {100 * (w - t):+.2f} пункта, стандартная ошибка {100 * se:.2f}: {verdict}")


# %% [markdown] slideshow={"slide_type": "fragment"}
# Любое разумное ранжирование обходит случайное, когда остаётся четверть FLOPs. Кто впереди — Тейлор
# или минимальный вес — и больше ли разница двух стандартных ошибок, говорят строки выше (меньшая
# разница — это шум: эти кривые измерены на нескольких тысячах тестовых изображений, только чтобы их
# нарисовать и сравнить, и никогда не используются для выбора). Разрыв в статье (минимальный вес 0.27
# против Тейлора 0.73) измерен на VGG-16, дообученной на Birds-200, где веса сети, обученной на
# ImageNet, мало говорят о новой задаче; здесь мы не можем это запустить и не утверждаем этого.

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: напечатанные строки сравнивают Тейлора с минимальным весом при четверти FLOPs. LeNet-5: Тейлор 1.45% / 1.75%, минимальный вес 1.40% / 1.65%, Тейлор + FLOPs 1.45% / 1.55% — всё в пределах шума (2,000 тестовых изображений; напечатанная стандартная ошибка разности Тейлора и минимального веса при 25% — 0.41 пункта). LeNet-300-100: при половине FLOPs ниже минимальный вес (2.02% против 2.24% у Тейлора), при четверти — Тейлор (3.90% против 4.80%: 0.90 пункта при стандартной ошибке 0.29, Тейлор впереди). Так что на этих маленьких сетях ни один критерий не держится дольше всех везде; явная победа Тейлора в статье получена на VGG-16, дообученной на Birds-200. Спросите аудиторию: почему минимальный вес может работать здесь, но не на VGG-16, дообученной на птицах? (здесь веса выучены для этой самой задачи, у VGG-16 — для ImageNet). Сошлитесь на: Molchanov et al. 2017, рис. 4. Время: 1,5 мин.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Упражнение 5.3 (2 балла): какие карты удалить следующими
#
# Напишите `maps_to_remove(scores, count)`: `scores` — это `{имя слоя: одномерный тензор оценок}`.
# Нормируйте оценки каждого слоя на их собственную L2-норму (упражнение 5.2), затем верните `count`
# пар `(имя слоя, индекс карты)` с наименьшими нормированными оценками по всем слоям, никогда не
# забирая последнюю оставшуюся карту слоя (меньше `count` пар, если это вас останавливает).
#
# Ячейка ниже проверяет вашу функцию на собственных примерах, сравнивая с `structured.lowest_maps` из coursekit.

# %% nbgrader={"grade": false, "grade_id": "maps_to_remove", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def maps_to_remove(scores, count):
    """``count`` пар (слой, индекс) с наименьшей нормированной в слое оценкой; ни один слой не опустошается."""
    ### BEGIN SOLUTION
    ranked = sorted(
        (s, name, k) for name, layer in scores.items() for k, s in enumerate(l2_normalize(layer).tolist())
    )
    left = {name: len(layer) for name, layer in scores.items()}
    chosen = []
    for _, name, k in ranked:
        if len(chosen) < count and left[name] > 1:
            chosen.append((name, k))
            left[name] -= 1
    return chosen
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_maps_to_remove", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_maps_to_remove(maps_to_remove)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Результат: меньшая плотная сеть
#
# `structured.shrink` выполняет «хирургию»: каждый слой теряет строки удалённых карт, следующий —
# соответствующие входные столбцы (у первого полносвязного слоя — блок 4 x 4 входов на карту).
# Берём наименьшую сеть на траектории Тейлора, чья ошибка на **валидации** (5,000 изображений
# вне обучения) не дальше 0.5 пункта от исходной, дообучаем её одну эпоху и сохраняем в
# safetensors. Ошибку на тесте читаем один раз, со стандартной ошибкой.

# %% slideshow={"slide_type": "fragment"}
print(small)

# %% slideshow={"slide_type": "fragment"}
payoff = trajectories["payoff"]
taylor = trajectories["lenet5"]["taylor"]
tolerance = trajectories["settings"]["payoff_tolerance"]
print(f"выбран на валидации: шаг {payoff['step']} траектории Тейлора, последний не дальше {100 * tolerance:.1f} пункта\n"
      f"от начала ({100 * taylor[payoff['step']]['val_error']:.2f}% против {100 * taylor[0]['val_error']:.2f}%); "
      f"после одной эпохи дообучения {100 * payoff['val_error']:.2f}%")
limit = taylor[0]["val_error"] + tolerance + 1e-9
assert payoff["step"] == max(i for i, p in enumerate(taylor) if p["val_error"] <= limit)  # выбран на валидации
dense_error, small_error = train.evaluate(dense), train.evaluate(small)
rows = {"плотная LeNet-5": (dense, dense_error), "удалены карты признаков": (small, small_error)}
for name, (net, error) in rows.items():
    se = train.standard_error(error, 10_000)
    print(f"{name:24s} параметров: {network.count_parameters(net):8,d}  {network.flops(net) / 1e6:5.2f} MFLOPs  "
          f"ошибка на тесте {100 * error:.2f}% +- {100 * se:.2f}")
speedup = network.flops(dense) / network.flops(small)
change = (small_error - dense_error) / train.standard_error(small_error, 10_000)
print(f"в {speedup:.1f} раза меньше FLOPs, в {network.count_parameters(dense) / network.count_parameters(small):.1f} раза меньше параметров, "
      f"ошибка на тесте {100 * (small_error - dense_error):+.2f} пункта ({change:+.1f} стандартной ошибки)")
assert abs(small_error - payoff["test_error"]) < 1e-9  # файл хранит то, что измерил reproduce
assert speedup > 3

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# Почему: время по часам (измеренное в разделе 1) меняется от запуска к запуску; benchmarks/bench_structured.py измеряет его аккуратно.
before, after = latency["плотная LeNet-5"], latency["удалены карты признаков"]
print(f"Задержка на процессоре на 256 изображений: {before:.2f} мс -> {after:.2f} мс (в {before / after:.1f} раза быстрее)")

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: после «хирургии» сеть плотная и меньше в каждом тензоре: меньше параметров, меньше FLOPs, измеренно быстрее на процессоре. Спросите аудиторию: какой слой потерял больше всего карт и почему? Сошлитесь на: Molchanov et al. 2017, таблица 3 (измеренные ускорения). Время: 2 мин.

# %% [markdown] slideshow={"slide_type": "subslide"}
# Это обычная модель PyTorch: написанная вручную, с числом каналов, прочитанным из файла, она
# загружается через `load_state_dict` и предсказывает ровно то же, что и восстановленная сеть.

# %% slideshow={"slide_type": "fragment"} tags=["show-input"]
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "lenet5_small.safetensors"
    save_file(small.state_dict(), path)
    state = load_file(path)
c1, c2 = state["0.weight"].shape[0], state["2.weight"].shape[0]
plain = nn.Sequential(
    nn.Conv2d(1, c1, 5), nn.MaxPool2d(2), nn.Conv2d(c1, c2, 5), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(c2 * 16, 500), nn.ReLU(), nn.Linear(500, 10),
)
plain.load_state_dict(state)
images, _ = load_mnist("test")
same = (train.predict(plain, images) == train.predict(small, images)).all().item()
print(f"карт в conv1: {c1}, в conv2: {c2}; одинаковые предсказания на 10,000 тестовых изображений: {same}")

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: прореженная сеть — обычная модель PyTorch: написанная вручную с числом каналов из файла, она предсказывает ровно то же. Спросите аудиторию: что нужно, чтобы её развернуть? (ничего особенного: она плотная). Время: 1 мин.

# %% slideshow={"slide_type": "skip"}
assert same


# %% [markdown] slideshow={"slide_type": "skip"}
# ### Упражнение 5.4 (2 балла): «хирургия» двух слоёв
#
# Напишите `remove_units(first, second, keep)`: `first` — это `nn.Linear(m, h)`, `second` —
# `nn.Linear(h, p)`, `keep` — булев тензор для `h` скрытых нейронов. Верните два новых слоя
# `nn.Linear` без удалённых нейронов: `first` теряет их строки и смещения, `second` — их входные
# столбцы (его смещение остаётся).
#
# Ячейка ниже проверяет вашу функцию на собственных примерах, сравнивая с `structured.shrink` из coursekit.

# %% nbgrader={"grade": false, "grade_id": "remove_units", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def remove_units(first, second, keep):
    """Новая пара nn.Linear (first, second) без скрытых нейронов, для которых ``keep`` равно False."""
    ### BEGIN SOLUTION
    kept = int(keep.sum())
    new_first = torch.nn.Linear(first.in_features, kept)
    new_second = torch.nn.Linear(kept, second.out_features)
    with torch.no_grad():
        new_first.weight.copy_(first.weight[keep])
        new_first.bias.copy_(first.bias[keep])
        new_second.weight.copy_(second.weight[:, keep])
        new_second.bias.copy_(second.bias)
    return new_first, new_second
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_remove_units", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_remove_units(remove_units)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. Ползунок: сколько карт признаков оставить
#
# Передвигайте долю сохраняемых из 70 свёрточных карт LeNet-5; панель показывает шаг траектории
# Тейлора, который сохраняет не больше этой доли: карты по слоям, ошибку на тесте (первые 2,000
# тестовых изображений), FLOPs и задержку восстановленной сети на процессоре, **измеренную при
# предварительном вычислении** (`python -m coursekit.reproduce structured`), а не сейчас: см.
# сравнение под панелью.

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# Почему: виджет (его вид интерактивен); следующая ячейка управляет им из Python.
panel = widgets.structured_panel()
display(panel.widget)

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: передвиньте ползунок: панель переходит на шаг траектории Тейлора, который сохраняет не
# больше этой доли из 70 свёрточных карт, и показывает его карты по слоям, ошибку на тесте, FLOPs
# и задержку, измеренную при предварительном вычислении. Спросите аудиторию: где ошибка начинает
# расти? Время: 1 мин.

# %% slideshow={"slide_type": "subslide"}
points = trajectories["lenet5"]["taylor"]
lowest = sum(points[-1]["kept"].values()) / 70
for kept in [1.0, 0.75, 0.5, 0.25, lowest]:
    shown = panel.update(kept=kept)
    print(f"сохранено {kept:.2f}: conv1 {shown['kept']['conv1']:2d}/20, conv2 {shown['kept']['conv2']:2d}/50, "
          f"ошибка на тесте {100 * shown['error']:.2f}%, {shown['flops'] / 1e6:.2f} MFLOPs, {shown['latency_ms']:.1f} мс на 256 изображений")
assert panel.update(kept=1.0)["flops"] == 4_586_000

# %% [markdown] slideshow={"slide_type": "fragment"}
# Миллисекунды панели и раздела 1 — это два измерения одних и тех же сетей в разные моменты:
# раздел 1 измерил их только что, на этой машине при её нынешней загрузке; панель показывает то,
# что намерил `reproduce`, когда он работал (число его потоков есть в данных). Время по часам
# меняется с машиной, её загрузкой и числом потоков: не сравнивайте миллисекунды из двух запусков.
# Даже отношение (плотная к прореженной) гуляет на загруженной машине; отношение FLOPs из раздела 4 —
# нет, а `benchmarks/bench_structured.py` аккуратно измеряет время обеих сетей.

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# Почему: время по часам меняется от запуска к запуску и от машины к машине.
step = payoff["step"]
then = taylor[0]["latency_ms"], taylor[step]["latency_ms"]
now = latency["плотная LeNet-5"], latency["удалены карты признаков"]
print(f"заранее (потоков: {trajectories['settings']['latency_threads']}): плотная {then[0]:.1f} мс, шаг {step} {then[1]:.1f} мс, "
      f"в {then[0] / then[1]:.1f} раза быстрее")
print(f"раздел 1, только что (потоков: {torch.get_num_threads()}): плотная {now[0]:.1f} мс, пересобранная {now[1]:.1f} мс, в {now[0] / now[1]:.1f} раза быстрее")

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: напечатанные строки — это панель при пяти положениях; не сравнивайте миллисекунды панели
# с миллисекундами раздела 1, устойчиво только отношение FLOPs. Время: 0,5 мин.
# Заметки докладчика: главный результат статьи — 3D-CNN для распознавания жестов, прореженная с
# 37.8 до 3.0 GFLOPs (в 12.6 раза) ценой падения точности на 2.5%. Её регуляризация FLOPs
# Theta - lambda * FLOPs_l (lambda = 1e-3) предпочитает карты дорогих слоёв: покажите кривую
# taylor+flops из раздела 3 (наша lambda — на MFLOP, статья не указывает единицы).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 5. Сколько карт оставить: пять положений
#
# Без ядра (в статичных слайдах) панель не может двигаться: здесь она на пяти шагах траектории,
# по одному на каждое нажатие стрелки вправо.

# %% slideshow={"slide_type": "-"}
# NBVAL_IGNORE_OUTPUT
# (картинки; числа напечатаны ниже)
plots.frames(
    panel,
    [{"kept": k} for k in (1.0, 0.75, 0.5, 0.25, lowest)],
    lambda setting, shown: f"сохранено {100 * setting['kept']:.0f}% карт: ошибка на тесте {100 * shown['error']:.2f}%, {shown['flops'] / 1e6:.2f} MFLOPs",
    restore={"kept": 1.0},
)

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: по кадру на шаг траектории Тейлора: FLOPs падают гораздо быстрее, чем растёт ошибка, до
# самых последних шагов. Спросите аудиторию: какой слой первым отдаёт свои карты? Сошлитесь на:
# Molchanov et al. 2017, рис. 1. Время: 1,5 мин.


# %% [markdown] slideshow={"slide_type": "slide"}
# ## Итоги
#
# - Удаление карт признаков (или нейронов) целиком оставляет сеть плотной: она работает быстрее на
#   любом оборудовании, в отличие от неструктурированной разреженности.
# - Критерий Тейлора |mean(z dC/dz)| оценивает изменение функции потерь при удалении карты по одному
#   прямому и одному обратному проходу; он следует за оракулом на каждом слое, хотя на наших
#   маленьких LeNet простой минимальный вес отстаёт ненамного или даже опережает (раздел 2).
# - Оценки нормируются по l2 внутри каждого слоя, чтобы слои соревновались на равных; регуляризация
#   по FLOPs заставляет первыми уходить карты дорогих слоёв.
# - Удалить несколько карт, дообучить, повторить; затем собрать меньшую плотную сеть (хирургия,
#   surgery).

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: структурное прореживание даёт меньшую плотную сеть и настоящее ускорение; критерий Тейлора дёшев и близок к оракулу; прореживайте итеративно с дообучением. Время: 0,5 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Проверьте себя
#
# 1. Почему |среднее по позициям z dC/dz| — это изменение функции потерь первого порядка при обнулении карты?
#
#    <details><summary>Ответ</summary>
#
#    Обнуление z меняет её на -z; член первого порядка ряда Тейлора для C тогда равен -sum dC/dz z, поэтому его модуль (усреднённый) оценивает |C(z = 0) - C|.
#
#    </details>
#
# 2. Почему модуль берётся до усреднения по примерам, а не после?
#
#    <details><summary>Ответ</summary>
#
#    Для отдельного примера изменение может быть положительным или отрицательным; если сначала усреднить, противоположные знаки взаимно погасятся, и важная карта покажется неважной.
#
#    </details>
#
# 3. Что пойдёт не так без нормировки внутри слоя?
#
#    <details><summary>Ответ</summary>
#
#    Слои различаются масштабом (число карт, размеры активаций): все «сырые» оценки одного слоя могут оказаться ниже оценок другого, и он опустеет первым.
#
#    </details>
#
# 4. Какие тензоры fc2 меняются после удаления скрытого нейрона k из fc1?
#
#    <details><summary>Ответ</summary>
#
#    Уходит столбец k матрицы весов fc2; смещение fc2 и его выходные строки остаются.
#
#    </details>

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: минута на вопросы, затем откройте ответы. Время: 1 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Список литературы
#
# - P. Molchanov, S. Tyree, T. Karras, T. Aila, J. Kautz. *Pruning Convolutional Neural Networks
#   for Resource Efficient Inference.* ICLR 2017. arXiv:1611.06440 (критерий Тейлора, формула 8;
#   таблица 2; регуляризация FLOPs)
# - H. Hu, R. Peng, Y.-W. Tai, C.-K. Tang. *Network Trimming: A Data-Driven Neuron Pruning
#   Approach towards Efficient Deep Architectures.* arXiv:1607.03250, 2016 (APoZ)
# - S. Han, J. Pool, J. Tran, W. J. Dally. *Learning both Weights and Connections for Efficient
#   Neural Networks.* NIPS 2015. arXiv:1506.02626 (неструктурированное прореживание, тетрадка 01; FLOPs из таблицы 3)
# - S. Han, X. Liu, H. Mao, J. Pu, A. Pedram, M. A. Horowitz, W. J. Dally. *EIE: Efficient
#   Inference Engine on Compressed Deep Neural Network.* ISCA 2016. arXiv:1602.01528 (аппаратура для разреженных сетей)
# - Y. LeCun, L. Bottou, Y. Bengio, P. Haffner. *Gradient-Based Learning Applied to Document
#   Recognition.* Proceedings of the IEEE 86(11):2278-2324, 1998 (LeNet-300-100, LeNet-5, MNIST)

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: Molchanov et al. — метод этой главы; APoZ взят у Hu et al.; Han et al. — неструктурированное прореживание, с которым его сравнивают, EIE — аппаратура, благодаря которой разреженность окупается. Время: 0,5 мин. (покажите слайд, не зачитывайте его).

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
# # Прореживание: обучаем и веса, и связи
#
# Han, Pool, Tran и Dally (2015) обучают сеть, **удаляют каждую связь с малым весом** и дообучают
# оставшиеся. У LeNet-300-100 и LeNet-5 в итоге в 12 раз меньше весов (удалено 11 из каждых 12) и, в
# статье, без потери точности; у AlexNet весов меньше в 9 раз, у VGG-16 — в 13 раз.
#
# В этой тетрадке:
#
# 1. мозг тоже прореживает: синапсы по возрастам;
# 2. прореживание (pruning) по модулю, послойное или глобальное, и что оно делает с весами;
# 3. дообучение (retraining), и почему маски должны сохраняться;
# 4. какие слои чувствительны;
# 5. что остаётся в первом слое LeNet-300-100;
# 6. таблица 1 статьи, измеренная нами;
# 7. проредите сами, вживую, и дообучите сами.
#
# Каждый выбор (скорость обучения, степень прореживания слоя) делается на **валидационной** выборке:
# 5,000 обучающих изображений MNIST, отложенных в сторону; тестовые изображения только сообщают итоговые ошибки.
#
# То, что занимает минуты (дообучение для каждой разреженности), заранее посчитано командой
# `python -m coursekit.reproduce pruning` в `data/pruning/`; эта тетрадка загружает результаты.
# Ползунок в разделе 7 считает вживую, и одна эпоха дообучения там тоже идёт вживую.

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: рецепт в одной строке: обучить, удалить малые веса, дообучить оставшиеся; в статье в 12 раз меньше весов у LeNet, в 9 раз у AlexNet, в 13 раз у VGG-16, без потери точности; наш результат измерен в разделе 6. Спросите аудиторию: ожидали бы вы, что сеть переживёт потерю 90% весов? Сошлитесь на: Han, Pool, Tran, Dally 2015, таблица 1. Время: 1,5 мин.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Перед началом
#
# **Вы научитесь**
#
# - строить маски прореживания по модулю для каждого слоя: по правилу LWC «качество x std» и для точно заданной разреженности;
# - прореживать всю сеть с одним глобальным порогом;
# - удерживать прореженные веса нулевыми во время дообучения;
# - читать анализ чувствительности, чтобы выбрать степень прореживания каждого слоя.
#
# **Что нужно знать заранее:** тетрадка 00; тензоры PyTorch, `torch.sort` / `argsort`, один шаг SGD.
#
# **Время:** около 35 минут на чтение и запуск, плюс 4 упражнения (около 40 минут).
#
# **Упражнения.** Каждая ячейка «Упражнение» просит реализовать один шаг метода — короткую функцию,
# тело которой `raise NotImplementedError()`: замените его своим кодом и запустите ячейку под ней.
# Она проверит вашу функцию на собственных примерах и напечатает `пройдено случаев: N` или первый
# непройденный случай с подсказкой (`ещё не сделано`, пока тело не изменено). Остальной части
# тетрадки ваши ответы не нужны: она использует реализацию из coursekit. Решения — в тетрадке
# преподавателя с тем же именем в `notebooks/ru/`, по соседству с вашей копией в `release/notebooks/ru/`.

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: четыре упражнения (маска точной разреженности, качество x std, глобальные маски, шаг SGD с маской) выполняются дома; на лекции идём дальше. Время: 0,5 мин.

# %% slideshow={"slide_type": "skip"}
import matplotlib.pyplot as plt
import numpy as np
import torch
import torchvision
from IPython.display import display
from torch.nn.utils import prune

import coursekit
from coursekit import checks, network, papers, plots, pruning, train, widgets
from coursekit.data import load_mnist
from coursekit.experiments import baselines
from coursekit.experiments import pruning as experiment

coursekit.set_language("ru")  # язык того, что печатает coursekit (английское издание говорит "en")
plots.style()
torch.manual_seed(0)
display_names = {"lenet_300_100": "LeNet-300-100", "lenet5": "LeNet-5"}  # для заголовков и таблиц
results = experiment.load_results()
r300, r5 = results["lenet_300_100"], results["lenet5"]
baseline = {name: baselines.pretrained(name) for name in ("lenet_300_100", "lenet5")}
final = {name: experiment.load_pruned(name) for name in ("lenet_300_100", "lenet5")}

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Мозг отращивает связи, а потом прореживает их
#
# При рождении в мозге человека около **50 триллионов** синапсов, в 1 год — около **1000 триллионов**,
# в 10 лет — около **500 триллионов** (числа из лекции Хана со ссылкой на C. A. Walsh, Nature
# 502:172, 2013). Обучение сначала строит связи, а затем удаляет неиспользуемые. Три возраста, а не
# ось времени: поэтому столбцы.
#
# Справа — та же история для LeNet-300-100, измеренная: плотное обучение, затем прореживание и
# дообучение раундами, пока не останется 1 вес из 12.

# %% slideshow={"slide_type": "fragment"}
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
ages = ["Рождение", "1 год", "10 лет"]  # возрасты papers.SYNAPSES_TRILLIONS, по порядку (три категории)
assert len(ages) == len(papers.SYNAPSES_TRILLIONS)
left.bar(ages, list(papers.SYNAPSES_TRILLIONS.values()), color="tab:purple", width=0.6)
left.set(ylabel="синапсы (триллионы)", title="мозг человека (цитата)", ylim=(0, 1100))
epochs, params = zip(*r300["final"]["history"])
right.plot(epochs, np.array(params) / 1e3, "o-", color="tab:blue", markersize=3)
right.set(xlabel="эпоха", ylabel="ненулевые параметры (тысячи)", title="LeNet-300-100 (измерено)", ylim=(0, 1.1 * params[0] / 1e3))
right.annotate("плотное обучение", (epochs[1] / 2, params[0] / 1e3), xytext=(epochs[-1] / 60, 0.45 * params[0] / 1e3), ha="left", arrowprops={"arrowstyle": "->"})
right.annotate("прореживание\n+ дообучение\nраундами", (epochs[-1], 0.72 * params[0] / 1e3), ha="right", va="center")  # справа от первого шага
fig.tight_layout()
plt.show()
print(f"LeNet-300-100: параметров {params[0]:,} после плотного обучения (эпох: {epochs[1]}) -> {params[-1]:,} после раундов прореживания + дообучения: {len(epochs) // 2 - 1}")
assert params[0] == network.count_parameters(baseline["lenet_300_100"]) and params[-1] == network.nonzero_parameters(final["lenet_300_100"])
assert all(b <= a for a, b in zip(params, params[1:]))  # число только уменьшается

# %% [markdown] slideshow={"slide_type": "notes"}
# Заметки докладчика: аналогия приблизительная (синапс — не float32), но важен порядок:
# сначала учиться со множеством связей, затем отбросить те, что несут мало. В лекции Хана числа
# для мозга показаны рядом с результатами прореживания из статьи.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Прореживание по модулю: где резать
#
# Связь слоя удаляется, когда её вес мал: $|w| \le t$. Два способа выбрать $t$:
#
# - **качество x std** (Han et al. 2015): $t = q\,\sigma$, стандартное отклонение весов слоя,
#   умноженное на параметр качества $q$; разреженность (sparsity) зависит от формы распределения;
# - **целевая разреженность**: $t$ = $k$-й по величине наименьший модуль, $k = s \cdot n$; удаляется
#   ровно доля $s$.
#
# Послойно — у каждого слоя свой $t$; **глобально** — один $t$ на всю сеть.

# %% slideshow={"slide_type": "fragment"}
net = baseline["lenet_300_100"]
print("качество x std, послойно (базовая LeNet-300-100):")
for q in (0.5, 1.0, 1.5):
    kept = {name: mask.mean().item() for name, mask in pruning.std_masks(net, q).items()}
    print(f"  q = {q}: осталось весов " + ", ".join(f"{name} {100 * k:5.1f}%" for name, k in kept.items()))
print("разреженность 90%, послойно и с одним глобальным порогом:")
for scope, make_masks in (("послойно", pruning.layerwise_masks), ("глобально", pruning.global_masks)):
    kept = {name: mask.mean().item() for name, mask in make_masks(net, 0.9).items()}
    print(f"  {scope:9s}: осталось весов " + ", ".join(f"{name} {100 * k:5.1f}%" for name, k in kept.items()))
# Нормальное распределение сохранило бы 2 x (1 - Phi(q)) весов: 62% при q = 0.5, 32% при q = 1.
# Обученные веса сохраняют меньше: они сильнее сосредоточены около нуля, чем колоколообразная кривая.
normal_kept = {0.5: 0.617, 1.0: 0.317}
assert all(pruning.std_masks(net, q)["fc1"].mean() < kept for q, kept in normal_kept.items())

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: отсечение — |w| <= t; t по правилу «качество x std» (как в статье) или как k-й наименьший модуль (точная разреженность); послойно или один глобальный t. Спросите аудиторию: какой слой теряет больше всего при глобальном пороге? (тот, у которого самые малые веса). Сошлитесь на: Han et al. 2015, разд. 3.1 (параметр качества, умноженный на std слоя). Время: 2 мин.

# %% [markdown] slideshow={"slide_type": "subslide"}
# Маски подключаются через `torch.nn.utils.prune.custom_from_mask`. Для глобального порога в
# PyTorch есть и `prune.global_unstructured`; мы вычисляем маску сами (в этом и состоит урок, к тому
# же на уже прореженной модели `global_unstructured` отсчитывает свой `amount` среди *оставшихся*
# весов, а мы — среди всех). На свежей модели оба способа совпадают:

# %% slideshow={"slide_type": "fragment"}
theirs = baselines.pretrained("lenet_300_100")
prune.global_unstructured([(m, "weight") for m in network.layers(theirs).values()], prune.L1Unstructured, amount=0.9)
ours = pruning.global_masks(net, 0.9)
same = all(torch.equal(ours[name], mask) for name, mask in pruning.masks(theirs).items())
print(f"наши глобальные маски == torch global_unstructured(L1Unstructured, amount=0.9): {same}")
assert same


# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: prune.global_unstructured из PyTorch даёт на свежей модели те же маски, что и наши; на уже прореженной он отсчитывает amount среди оставшихся весов. Спросите аудиторию: зачем вычислять маски самим? (в этом урок, и подсчёт отличается). Время: 1 мин.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Упражнение 1.1 (2 балла): маска для точной разреженности
#
# Напишите `magnitude_mask(weight, sparsity)`: маску из 0/1 формы `weight`, которая удаляет
# **ровно** `k = round(sparsity * n)` из его `n` весов — те, у которых наименьший модуль `|w|`.
# Осторожно с равными значениями: у нескольких весов модуль на границе отсечения может совпадать,
# и тогда проверка порога (`|w| > t` или `>=`) удалит слишком много или слишком мало. Разреженность 0
# не удаляет ничего, 1 удаляет всё.
#
# Ячейка ниже проверяет вашу функцию на собственных примерах по `pruning.smallest_mask` из coursekit (равные значения можно разбивать как угодно).

# %% nbgrader={"grade": false, "grade_id": "magnitude_mask", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def magnitude_mask(weight, sparsity):
    """Маска 0/1 (формы ``weight``), удаляющая ровно round(sparsity x n) наименьших |w|."""
    ### BEGIN SOLUTION
    k = round(sparsity * weight.numel())
    order = torch.argsort(weight.abs().flatten(), stable=True)
    mask = torch.ones(weight.numel())
    mask[order[:k]] = 0
    return mask.view_as(weight)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_magnitude_mask", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_magnitude_mask(magnitude_mask)


# %% [markdown] slideshow={"slide_type": "skip"}
# ### Упражнение 1.2 (1 балл): порог LWC «качество x std»
#
# Han et al. (2015) отсекают по порогу, равному `quality`, умноженному на стандартное отклонение
# весов слоя. Напишите `quality_mask(weight, quality)`: 1 там, где `|w|` строго больше
# `quality * std(w)` (`weight.std()` в PyTorch), иначе 0.
#
# Ячейка ниже проверяет вашу функцию на собственных примерах по `pruning.std_masks` из coursekit.

# %% nbgrader={"grade": false, "grade_id": "quality_mask", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def quality_mask(weight, quality):
    """Маска 0/1, сохраняющая веса с |w| > quality x weight.std()."""
    ### BEGIN SOLUTION
    return (weight.abs() > quality * weight.std()).float()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_quality_mask", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_quality_mask(quality_mask)


# %% [markdown] slideshow={"slide_type": "skip"}
# ### Упражнение 1.3 (2 балла): один порог на всю сеть
#
# Напишите `global_masks(weights, sparsity)`: `weights` — это `{имя слоя: тензор весов}`; верните
# `{имя слоя: маска}`, удаляющие ровно `round(sparsity * N)` из всех `N` весов — веса с наименьшим
# модулем **во всей сети** (поэтому слои с малыми весами теряют больше).
# Может пригодиться `magnitude_mask` из упражнения 1.1.
#
# Ячейка ниже проверяет вашу функцию на собственных примерах по `pruning.global_masks` из coursekit (равные значения можно разбивать как угодно).

# %% nbgrader={"grade": false, "grade_id": "global_masks", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def global_masks(weights, sparsity):
    """{слой: маска 0/1}, удаляющие round(sparsity x N) наименьших |w| по всем слоям."""
    ### BEGIN SOLUTION
    flat = torch.cat([w.flatten() for w in weights.values()])
    keep = magnitude_mask(flat, sparsity)
    masks, start = {}, 0
    for name, w in weights.items():
        masks[name] = keep[start : start + w.numel()].view_as(w)
        start += w.numel()
    return masks
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_global_masks", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_global_masks(global_masks)

# %% [markdown] slideshow={"slide_type": "slide"}
# ### Что прореживание делает с весами fc1
#
# До прореживания веса распределены колоколом около нуля. Сразу после прореживания (до степеней
# итоговой модели) середина **вырезана**: вокруг нуля пустой промежуток. После дообучения
# оставшиеся веса расходятся, и распределение становится **бимодальным**: два горба и мало весов
# около нуля. Ось обрывается на $\pm 0.25$; немногие бо́льшие веса (их число напечатано под рисунком)
# не показаны, а не свалены в крайние интервалы.

# %% slideshow={"slide_type": "fragment"}
rates = r300["final"]["recipe"]["sparsity"]
one_shot = baselines.pretrained("lenet_300_100")
pruning.apply_masks(one_shot, pruning.layerwise_masks(one_shot, rates))
stages = {
    "до прореживания": network.weights(baseline["lenet_300_100"])["fc1"],
    "сразу после прореживания": network.weights(one_shot)["fc1"],
    "после дообучения": network.weights(final["lenet_300_100"])["fc1"],
}
edges = np.linspace(-0.25, 0.25, 51)
fig, axes = plt.subplots(1, 3, figsize=(10, 2.8), sharex=True)
for ax, (title, w) in zip(axes, stages.items()):
    ax.hist(w[w != 0].numpy(), edges, color="tab:blue")  # веса за краями не рисуются
    ax.set(title=title, xlabel="вес fc1")
axes[0].set_ylabel("ненулевые веса")
fig.tight_layout()
plt.show()
beyond = {title: (int((w.abs() > edges[-1]).sum()), int((w != 0).sum())) for title, w in stages.items()}
print(f"|w| > {edges[-1]} (не показаны): " + "; ".join(f"{title} {n:,} из {nonzero:,}" for title, (n, nonzero) in beyond.items()))
threshold = pruning.sparsity_threshold(stages["до прореживания"].abs(), rates["fc1"])
after_prune = stages["сразу после прореживания"]
after_retrain = stages["после дообучения"][stages["после дообучения"] != 0].numpy()
counts = np.histogram(after_retrain, edges)[0]
print(f"порог fc1 {threshold:.4f}: наименьший оставшийся |w| сразу после прореживания {after_prune[after_prune != 0].abs().min():.4f}")
print(f"после дообучения: весов в интервале у нуля: {counts[25]}, пики по обе стороны: {counts[:25].max()} и {counts[25:].max()}")
assert after_prune[after_prune != 0].abs().min() > threshold  # промежуток
assert counts[25] < counts[:25].max() / 2 and counts[25] < counts[25:].max() / 2  # бимодальное

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: до прореживания — колокол около нуля; сразу после — провал посередине; после дообучения — два горба: оставшиеся веса уходят от нуля. Спросите аудиторию: почему дообучение отодвигает веса от нуля? Сошлитесь на: Han et al. 2015, рис. 7 (распределение весов до и после прореживания) и Deep Compression, рис. 5. Время: 1,5 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Дообучение с сохранением масок
#
# Прореживание само по себе стоит точности; дообучение оставшихся весов (сохранённых, без повторной
# инициализации) возвращает её. Статья дообучает с **1/10 исходной скорости обучения**. Наши рецепты
# следуют этому не везде: каждый раунд заново запускает косинусное убывание, для LeNet-300-100 — с той
# из нескольких скоростей-кандидатов, что дала наименьшую ошибку на валидации, для LeNet-5 — со
# скорости **выше**, чем у её базовой модели, выбранной раньше на тестовой выборке (мы говорим об
# этом прямо; скорости напечатаны ниже). Почему бо́льшая начальная скорость может помочь: прореживание
# уводит сеть далеко от того места, где её оставило обучение, а скорость каждого раунда снова убывает
# до нуля, так что начальная скорость задаёт лишь то, насколько далеко могут сдвинуться оставшиеся веса.
#
# Во время дообучения прореженный вес должен **оставаться ровно нулём**: `prune.custom_from_mask` заставляет слой на каждом прямом проходе
# вычислять с `weight_orig * weight_mask`, поэтому momentum и weight decay в SGD могут сдвинуть
# `weight_orig`, но никогда — вес, которым пользуется сеть. Несколько шагов SGD на итоговой модели
# это проверяют:

# %% slideshow={"slide_type": "fragment"}
model = experiment.load_pruned("lenet_300_100", keep_masks=True)
masks = pruning.masks(model)
images, labels = load_mnist("train")
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
model.train()
for step in range(20):
    batch = slice(64 * step, 64 * (step + 1))
    loss = torch.nn.functional.cross_entropy(model(images[batch]), labels[batch])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    assert all((w[masks[name] == 0] == 0).all() for name, w in network.weights(model).items())
print(f"после 20 шагов SGD (momentum 0.9, weight decay 5e-4): ненулевых весов {network.nonzero_weights(model)}")
assert network.nonzero_weights(model) == network.nonzero_weights(final["lenet_300_100"])
print("каждый раунд дообучения начинается со скорости:")
chosen_by = {  # как results.json говорит, чем выбрана каждая скорость, в том виде, как мы это показываем
    "lowest validation error among lr_candidates": "наименьшая ошибка на валидации среди кандидатов",
    "fixed earlier (test error)": "выбрана раньше, по тесту; её ошибка на валидации",
}
for name, result in results.items():
    lr, base_lr = result["final"]["recipe"]["lr"], baselines.baseline_info(name)["lr"]
    tried = ", ".join(f"{candidate}: {100 * error:.2f}%" for candidate, error in result["final"]["lr_val_errors"].items())
    print(f"  {display_names[name]:14s} lr {lr} = {lr / base_lr:g} x lr базовой модели {base_lr}: {chosen_by[result['final']['chosen_by']]} ({tried})")
assert r5["final"]["recipe"]["lr"] > baselines.baseline_info("lenet5")["lr"]  # LeNet-5 начинает выше, как сказано в тексте


# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: оставшиеся веса дообучают, никогда не обучая с нуля, и каждый прореженный вес держат ровно нулём: слой вычисляет с weight_orig x mask. Статья дообучает с 1/10 исходной скорости; наша LeNet-5 начинает со скорости выше, чем у её базовой модели (прореживание уводит сеть далеко, а каждый раунд снова снижает скорость до нуля), и эта скорость была выбрана на тестовой выборке ещё до появления валидационной: скажите об этом. Спросите аудиторию: что пойдёт не так, если применить маску только один раз? (momentum и weight decay вернут веса). Сошлитесь на: Han et al. 2015, разд. 3.2-3.3 (дообучение с 1/10 скорости, доля dropout). Время: 2 мин.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Упражнение 1.4 (1 балл): дообучение с сохранением масок
#
# `prune.custom_from_mask` держит прореженные веса нулевыми за нас. Сделайте это вручную: напишите
# `pruned_sgd_step(weight, grad, mask, lr)` — один обычный шаг SGD для `weight` (уже нулевого там, где
# `mask` равна 0), после которого каждый прореженный вес остаётся ровно нулём. Верните новый вес.

# %% nbgrader={"grade": false, "grade_id": "pruned_sgd_step", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def pruned_sgd_step(weight, grad, mask, lr):
    """``weight`` после одного шага SGD со скоростью обучения ``lr``; прореженные веса (маска 0) остаются 0."""
    ### BEGIN SOLUTION
    return (weight - lr * grad) * mask
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_pruned_sgd_step", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_pruned_sgd_step(pruned_sgd_step)

# %% [markdown] slideshow={"slide_type": "slide"}
# ### Ошибка в зависимости от разреженности (по форме Han et al. 2015, рис. 5)
#
# LeNet-300-100, каждый слой прорежен до одной и той же разреженности: **без дообучения**;
# **за один шаг** (one-shot: проредить сразу до цели, дообучить); **итеративно** (проредить немного,
# дообучить, проредить ещё: каждая точка начинается с предыдущей). Без дообучения ошибка растёт
# рано; с дообучением она держится гораздо дольше. Все три кривые — на 5,000 **валидационных**
# изображениях: рисунок, по которому можно было бы выбрать разреженность, никогда не видит тестовую выборку.

# %% slideshow={"slide_type": "fragment"}
grid = np.array(experiment.GRID)


def pruned_error(sparsity, split="val"):
    """Ошибка LeNet-300-100, послойно прореженной до ``sparsity``, без дообучения (считается сейчас), на ``split``."""
    model = baselines.pretrained("lenet_300_100")
    pruning.apply_masks(model, pruning.layerwise_masks(model, sparsity))
    return train.evaluate(model, split)


no_retrain = np.array([pruned_error(s) for s in grid])  # ошибка на валидации, как у двух сохранённых кривых
curves = {"без дообучения": no_retrain, "за один шаг: прореживание + дообучение": np.array(r300["one_shot_val"]), "итеративно: прореживание + дообучение": np.array(r300["iterative_val"]["layer"])}
base_error = baselines.baseline_info("lenet_300_100")["val_error"]
fig, ax = plt.subplots()
for label, errors in curves.items():
    ax.plot(100 * grid, 100 * errors, "o-", label=label)
ax.axhline(100 * base_error, color="k", ls="--", lw=1, label="плотная базовая модель")
ax.set(xlabel="удалено весов (%)", ylabel="ошибка на валидации (%)", yscale="log", title="LeNet-300-100, послойное прореживание")
plots.log_ticks_125(ax.yaxis)  # подписи 1, 2, 5, 10, 20, 50 %
ax.legend()
plt.show()

# %% [markdown] slideshow={"slide_type": "notes"}
# Заметки докладчика: на рис. 5 статьи — это top-5 точность AlexNet; здесь тот же эксперимент на
# LeNet-300-100. В статье: без дообучения точность падает, когда остаётся около 1/3 весов,
# с дообучением — около 1/10; итеративное прореживание сжимает AlexNet не в 5, а в 9 раз.

# %% slideshow={"slide_type": "subslide"}
cells = [[label] + [f"{100 * e:.2f}%" for e in errors] for label, errors in curves.items()]
display(plots.table(cells, ["удалено весов"] + [f"{100 * s:.0f}%" for s in grid]))
at90 = {label: errors[list(grid).index(0.9)] for label, errors in curves.items()}
assert at90["итеративно: прореживание + дообучение"] < at90["за один шаг: прореживание + дообучение"] < at90["без дообучения"]

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: числа за кривыми, всё — ошибка на валидации: при 90% удалённых весов 5.10% без дообучения, 1.82% за один шаг, 1.62% итеративно; при 99% 77.14%, 28.50% и 16.02%. С дообучением ошибка держится около плотной базовой гораздо дольше, а итеративное прореживание лучше прореживания за один шаг начиная с 70%. Спросите аудиторию: где бы вы остановились при итеративном прореживании? Время: 1 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Какие слои могут потерять больше всего?
#
# Прореживаем по одному слою, от 0 до 99%, без дообучения, и смотрим на ошибку на **валидации**
# (все 5,000 валидационных изображений: по такому анализу выбирают степени прореживания, поэтому он
# никогда не видит тестовую выборку). Слой, чья кривая растёт рано, **чувствителен** к одному только
# прореживанию.

# %% slideshow={"slide_type": "fragment"}
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2), sharey=True)
scan = np.array(experiment.SCAN)
for ax, (name, result) in zip(axes, results.items()):
    for layer, errors in result["sensitivity"].items():
        ax.plot(100 * scan, 100 * np.array(errors), "o-", markersize=3, label=layer)
    ax.set(title=display_names[name], xlabel="удалено весов в одном слое (%)", yscale="log")
    ax.legend()
plots.log_ticks_125(axes[0].yaxis)  # подписи 1, 2, 5, 10, 20, 50 %
axes[0].set_ylabel("ошибка на валидации (%)")
fig.tight_layout()
plt.show()


def breaking_point(errors, rise=0.005):
    """Первая разреженность сетки, при которой ошибка слоя больше плотной более чем на `rise`."""
    return next((s for s, e in zip(scan, errors) if e > errors[0] + rise), 1.0)


print("разреженность, при которой ошибка на валидации впервые вырастает на 0.5 пункта (прорежен один слой):")
breaks = {name: {layer: breaking_point(e) for layer, e in result["sensitivity"].items()} for name, result in results.items()}
for name, points in breaks.items():
    print(f"  {display_names[name]:14s} " + ", ".join(f"{layer} {100 * s:.0f}%" for layer, s in points.items()))
assert all(result["sensitivity_split"] == "val" for result in results.values())

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: прореживаем по одному слою, без дообучения, на валидационных изображениях: прочитайте, какой слой в каждой сети ломается первым. Спросите аудиторию: почему первый свёрточный слой может быть чувствительным? (мало весов, и каждый используется в каждой позиции). Сошлитесь на: Han et al. 2015, рис. 6 (чувствительность слоёв AlexNet). Время: 2 мин.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Откуда берутся степени прореживания слоёв
#
# Не из этого анализа: это **таблицы 2-3 статьи**, и анализ объясняет их не все. Он прореживает один
# слой **за один шаг, без дообучения**, и сравнивает слои при равной **доле** их весов. Степени же
# применяются с дообучением, которое возвращает бо́льшую часть потерянного одним прореживанием
# (раздел 3), и они выгодны слоям с наибольшим числом весов: в fc1 сети LeNet-300-100 88% всех весов,
# поэтому в расчёте на удалённый вес он обходится дешевле всего.

# %% slideshow={"slide_type": "fragment"}
cells, verdicts = [], []
at90 = list(scan).index(0.9)
for name, result in results.items():
    rates = result["final"]["recipe"]["sparsity"]
    paper = {layer: 1 - row["weights"] / 100 for layer, row in papers.LWC_LAYER_TABLES[name].items() if layer != "total"}
    sizes = {layer: w.numel() for layer, w in network.weights(baseline[name]).items()}
    # прирост ошибки на валидации на 1,000 удалённых весов, слой прорежен на 90% (без дообучения)
    cost = {layer: (errors[at90] - errors[0]) / (0.9 * sizes[layer]) * 1e3 for layer, errors in result["sensitivity"].items()}
    for layer in rates:
        cells.append([
            display_names[name] if layer == next(iter(rates)) else "", layer, f"{100 * sizes[layer] / sum(sizes.values()):.1f}%",
            f"{100 * breaks[name][layer]:.0f}%", f"{100 * cost[layer]:+.4f}", f"{100 * rates[layer]:.1f}%", f"{100 * paper[layer]:.0f}%",
        ])
    first, hardest = min(breaks[name], key=breaks[name].get), max(rates, key=rates.get)
    verdicts.append(f"{display_names[name]}: первым в анализе ломается {first}; сильнее всего прорежен {hardest}")
    assert all(abs(rates[layer] - paper[layer]) < 0.01 for layer in rates)  # степени статьи (fc1: 92.5% вместо её 92%)
    assert name != "lenet_300_100" or round(100 * sizes["fc1"] / sum(sizes.values())) == 88  # 88% из текста
    assert min(cost, key=cost.get) == hardest  # самый большой слой — самый дешёвый в расчёте на удалённый вес
display(plots.table(
    cells, ["сеть", "слой", "доля весов", "ломается при", "ошибка на 1,000 удалённых", "прорежено", "статья"],
    caption="Анализ за один шаг (валидация) рядом со степенями прореживания", note="ошибка на 1,000 удалённых: прирост ошибки на валидации в пунктах на 1,000 удалённых весов, слой прорежен на 90%, без дообучения",
))
print("\n".join(verdicts))

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: степени — из статьи (таблицы 2-3), а не прочитаны по нашему анализу; прочитайте напечатанные строки: если слой, который ломается первым, также прорежен сильнее всех (fc1 в LeNet-300-100, если ваш анализ это показывает), то один анализ выбрал бы неправильно: он прореживает без дообучения и сравнивает равные доли, а самый большой слой обходится дешевле всего в расчёте на удалённый вес. Спросите аудиторию: какой слой LeNet-5 сохраняет наибольшую долю весов, и объясняет ли это анализ? Сошлитесь на: Han et al. 2015, таблицы 2 и 3. Время: 1,5 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. Что остаётся в первом слое
#
# В fc1 сети LeNet-300-100 по весу от каждого пикселя к каждому из 300 нейронов. Число весов,
# сохранённых пикселем после прореживания, рисует пятно в форме цифры: почти все **пиксели на
# краю**, почти никогда не закрашенные, **теряют все веса** (остальные закрашены менее чем на 1%
# изображений). Пустой на всех обучающих изображениях пиксель теряет все 300.

# %% slideshow={"slide_type": "fragment"}
kept_per_pixel = pruning.masks(experiment.load_pruned("lenet_300_100", keep_masks=True))["fc1"].sum(0).view(28, 28)
fig, ax = plt.subplots(figsize=(4.4, 3.4))
im = ax.imshow(kept_per_pixel, cmap="viridis")
fig.colorbar(im, label="осталось весов (из 300)")
ax.set(title="fc1: осталось весов на пиксель", xticks=[], yticks=[])
plt.show()
border = torch.ones(28, 28, dtype=torch.bool)
border[1:-1, 1:-1] = False
train_images = load_mnist("train")[0][:, 0]
inked = (train_images > train_images.min()).float().mean(0)  # доля изображений с чернилами, по пикселям
blank = inked == 0
bare_border = border & (kept_per_pixel == 0)
print(f"пикселей без единого веса: {int((kept_per_pixel == 0).sum())} из 784")
print(f"пикселей на краю без единого веса: {int(bare_border.sum())} из {int(border.sum())}")
for i, j in (border & ~bare_border).nonzero().tolist():
    print(f"  пиксель на краю ({i}, {j}) сохраняет весов: {int(kept_per_pixel[i, j])}; чернила на нём в {100 * inked[i, j]:.3f}% обучающих изображений")
print(f"пикселей, пустых во всех обучающих изображениях: {int(blank.sum())}, весов у них осталось: {int(kept_per_pixel[blank].sum())}")
assert bare_border.sum() >= 0.95 * border.sum() and kept_per_pixel[blank].sum() == 0
assert all(inked[i, j] < 0.01 for i, j in (border & ~bare_border).nonzero().tolist())  # те, что сохраняют несколько, закрашены менее чем на 1% изображений

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: посчитайте веса, которые сохраняет каждый входной пиксель: краевые пиксели, (почти) никогда не закрашенные, теряют (почти) все свои веса; картинка — пятно в форме цифры. Спросите аудиторию: что число оставшихся весов пикселя говорит о данных? Сошлитесь на: Han et al. 2015, рис. 4 (та же картинка для первого слоя LeNet-300-100). Время: 1,5 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. Таблица 1, измеренная нами
#
# Цель — относительно нашей собственной базовой модели: как минимум **в 12 раз меньше весов** (удалено
# 11 из каждых 12) и ошибка на тесте (test error) не более чем на **0.1 пункта** выше, чем у базовой
# модели. Каждая ошибка на тесте измеряется один раз, на 10,000 тестовых изображений, со своей
# стандартной ошибкой $\sqrt{e(1-e)/10^4}$ (здесь около 0.1 пункта): разница меньше неё — шум, в любую
# сторону. Числа статьи приведены рядом с нашими (её базовые модели, 1.64% и 0.80%, обучены иначе).
# Вердикты вычисляются по числам: промах печатается как промах.

# %% slideshow={"slide_type": "fragment"}
measured, cells = {}, []
for name in ("lenet_300_100", "lenet5"):
    before, after = network.count_parameters(baseline[name]), network.nonzero_parameters(final[name])
    errors = train.evaluate(baseline[name], "test"), train.evaluate(final[name], "test")
    standard_errors = [(e * (1 - e) / 10_000) ** 0.5 for e in errors]
    measured[name] = dict(errors=errors, standard_errors=standard_errors, rate=before / after)
    paper = papers.LWC_TABLE1[name]
    cells.append([
        display_names[name], "наши", f"{100 * errors[0]:.2f}% -> {100 * errors[1]:.2f}%", f"{100 * standard_errors[1]:.2f}",
        f"{before / 1e3:.0f}K -> {after / 1e3:.0f}K", f"{before / after:.1f}x",
    ])
    cells.append([
        "", "статья", f"{100 * paper['error'][0]:.2f}% -> {100 * paper['error'][1]:.2f}%", "",
        f"{paper['params'][0] / 1e3:.0f}K -> {paper['params'][1] / 1e3:.0f}K", f"{paper['rate']:d}x",
    ])
    assert errors == (results[name]["final"]["baseline_error"], results[name]["final"]["test_error"])
display(plots.table(
    cells, ["сеть", "", "ошибка на тесте", "± 1 ст. ош.", "параметры", "меньше в"], caption="Таблица 1 (Han et al. 2015), измерено", paper=[1, 3],
))
for name, m in measured.items():
    goal = results[name]["final"]["goal"]
    verdict = "цель достигнута" if goal["met"] else "цель НЕ достигнута"
    print(
        f"{display_names[name]:14s} в {m['rate']:.1f} раза меньше параметров (удалено {100 * (1 - 1 / m['rate']):.1f}%), ошибка на тесте "
        f"{100 * goal['increase']:+.2f} пункта = {goal['increase_in_se']:+.1f} стандартной ошибки: {verdict}"
    )
    within = round(m["errors"][1] * 10_000) - round(m["errors"][0] * 10_000) <= 10  # не более 10 лишних ошибок из 10,000 изображений
    assert goal["met"] == (m["rate"] >= 12 and within), name  # напечатанный вердикт — то, что говорят числа
print(f"(цель: как минимум в {experiment.GOAL_RATE} раз меньше параметров и ошибка на тесте не более чем на 0.1 пункта выше, чем у базовой модели)")
assert experiment.GOAL_RATE == 12 and all(results[name]["final"]["goal"]["tolerance"] == 0.001 for name in measured)  # цель, как напечатано
assert all(round(papers.LWC_TABLE1[name]["params"][0] / papers.LWC_TABLE1[name]["params"][1]) == 12 for name in measured)  # 12x статьи
assert all(m["rate"] >= 12 for m in measured.values())  # удалено 11 из каждых 12 весов или больше: степени рецепта

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: цель — в 12 раз меньше весов и ошибка на тесте не более чем на 0.1 пункта выше, чем у нашей базовой модели; прочитайте вердикты, как они напечатаны (достигнута или нет), рядом — стандартная ошибка: одна стандартная ошибка — около 0.1 пункта, так что разница в несколько сотых — шум в любую сторону. Строка статьи рядом с нашей. Спросите аудиторию: если прореженная сеть на 0.05 пункта лучше своей базовой модели, улучшило ли её прореживание? (нет: это в пределах шума). Сошлитесь на: Han et al. 2015, таблица 1. Время: 2 мин.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### По слоям (таблицы 2 и 3)
#
# FLOPs = 2 x число умножений-сложений. Прореженный вес пропускает своё умножение; так же и нулевой
# вход (после ReLU или пулинга). Оставшиеся FLOPs = оставшиеся веса x плотность входа слоя. Столбец
# "act%" в статье — это и есть плотность; в LeNet-5 из Caffe нет ReLU после свёрток, поэтому выходы
# её свёрток почти никогда не равны нулю.

# %% slideshow={"slide_type": "fragment"}
for name, result in results.items():
    cells = []
    for layer, row in result["final"]["layers"].items():
        density = f"{100 * row['input_density']:.0f}%" if "input_density" in row else ""
        paper = papers.LWC_LAYER_TABLES[name][layer]
        cells.append([
            layer, f"{row['weights'] / 1e3:.1f}K", f"{row['flops'] / 1e3:.0f}K", density, f"{100 * row['weights_kept']:.1f}%",
            f"{paper['weights']:d}%", f"{100 * row['flops_kept']:.1f}%", f"{paper['flops']:d}%",
        ])
    display(plots.table(
        cells, ["слой", "веса", "FLOPs", "плотность входа", "осталось весов", "статья", "осталось FLOPs", "статья"], caption=display_names[name],
    ))
total = r300["final"]["layers"]["total"]
assert total["weights_kept"] <= 1 / 12 and total["flops_kept"] <= 1 / 12

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: по слоям — оставшиеся веса и оставшиеся FLOPs: FLOPs падают сильнее, чем веса, потому что нулевые входы (после ReLU) тоже пропускают свои умножения. Спросите аудиторию: какой слой LeNet-300-100 сохраняет наибольшую долю, и почему? Сошлитесь на: Han et al. 2015, таблицы 2 и 3. Время: 1,5 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ### AlexNet и VGG-16: таблица 1 статьи и число параметров
#
# Дообучить сети для ImageNet здесь мы не можем, поэтому их **точность процитирована, а не
# воспроизведена**: ошибки top-1 и top-5, как их приводит статья. Проверить можно арифметику:
# архитектуры из torchvision (построенные на устройстве `meta`: только формы, без весов) с послойными
# долями оставшихся весов из статьи (её таблицы 4 и 5).

# %% slideshow={"slide_type": "fragment"}
cells = []
for name, percents in papers.IMAGENET_KEEP_PERCENT.items():
    with torch.device("meta"):
        net = getattr(torchvision.models, name)(weights=None)
    keep = {layer: p / 100 for layer, p in zip(network.layers(net), percents, strict=True)}
    before, after = network.count_parameters(net), pruning.kept_parameters(net, keep)
    paper = papers.LWC_TABLE1[name]
    (top1, top1_pruned), (top5, top5_pruned) = paper["error"], paper["top5"]
    cells.append([
        {"alexnet": "AlexNet", "vgg16": "VGG-16"}[name], f"{100 * top1:.2f}% -> {100 * top1_pruned:.2f}%", f"{100 * top5:.2f}% -> {100 * top5_pruned:.2f}%",
        f"{paper['params'][0] / 1e6:.0f}M -> {paper['params'][1] / 1e6:.1f}M", f"{paper['rate']}x",
        f"{before / 1e6:.1f}M -> {after / 1e6:.1f}M", f"{before / after:.1f}x",
    ])
    assert abs(after / paper["params"][1] - 1) < 0.05
    assert top5_pruned <= top5 and top1_pruned <= top1  # статья не теряет точности ни по одной из них
display(plots.table(
    cells, ["сеть", "ошибка top-1", "ошибка top-5", "параметры", "меньше в", "посчитано здесь", "меньше в"],
    caption="Таблица 1 (Han et al. 2015): ImageNet, цитата", note="ошибки и первые столбцы параметров — из статьи; последние два — слои torchvision со степенями статьи",
))

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: дообучить сети для ImageNet здесь мы не можем: их точность процитирована, top-1 и top-5, как в статье (AlexNet 19.73% -> 19.67% top-5, VGG-16 11.32% -> 10.88%); проверяется только арифметика послойных долей (AlexNet из torchvision: 61.1M -> 6.9M против 6.7M в статье; VGG-16: 138.4M -> 10.5M против 10.3M). Спросите аудиторию: какие слои дают бо́льшую часть сжатия AlexNet в 9 раз? (полносвязные). Сошлитесь на: Han et al. 2015, таблицы 1, 4 и 5. Время: 1 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. Проредите сами, вживую
#
# Двигайте разреженность, переключайтесь между послойным и глобальным порогом: каждое движение
# по-настоящему прореживает LeNet-300-100 (модули весов каждого слоя сортируются один раз, так что
# движение — это просто отсечение), оценивает её на всех 10,000 тестовых изображениях и
# перерисовывает, за несколько десятков миллисекунд. Синяя кривая собирает все разреженности,
# которые вы попробовали (без дообучения). Серые квадраты **посчитаны заранее** командой
# `python -m coursekit.reproduce pruning`: то же прореживание, но *с дообучением* (итеративное),
# которое занимает минуты, поэтому вживую оно не выполняется. Смотрите, как открывается провал в
# гистограмме и как размер в формате CSR опускается ниже плотного.

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: что делает панель на следующем слайде: каждое движение по-настоящему прореживает LeNet-300-100 и оценивает её на всех 10,000 тестовых изображениях, за десятки миллисекунд; синяя кривая — то, что вы попробовали (без дообучения), серые квадраты — то же прореживание с дообучением, посчитанное заранее, потому что оно занимает минуты. Время: 0,5 мин.

# %% [markdown] slideshow={"slide_type": "skip"}
# Панель принимает любую сеть и вашу собственную функцию: `widgets.pruning_panel(my_model)`,
# `widgets.pruning_panel(prune=magnitude_mask)` (упражнение 1.1; с глобальным порогом она
# применяется ко всем весам сразу), `widgets.pruning_panel("lenet5")` (LeNet-5, на первых 400
# тестовых изображениях: её прямой проход в 9 раз дороже).

# %% slideshow={"slide_type": "subslide"}
# NBVAL_IGNORE_OUTPUT
# (виджет отображается не текстом; следующая ячейка управляет им из Python)
panel = widgets.pruning_panel()
display(panel.widget)

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: в живой тетрадке двигайте ползунок: каждое движение по-настоящему прореживает сеть и оценивает её на 10,000 изображений; в статичной презентации пролистайте кадры (0, 50, 80, 90, 95, 99%). Серые квадраты — кривая с дообучением, посчитанная заранее. Спросите аудиторию: при какой разреженности ошибка без дообучения взлетает? (при послойном прореживании: почти ровная примерно до 50%, 1.50% -> 1.59%; при 80% уже примерно вдвое выше плотной, 2.95%; при 90% больше чем втрое, 5.10%; дальше взлетает: 23.84% при 95%, 76.94% при 99%). Посмотрите, как после 50% размер CSR опускается ниже плотного. Время: 2,5 мин.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 7. Проредите сами: шесть настроек
#
# Без ядра (в статичной презентации) панель не двигается: вот она при шести значениях разреженности,
# по одному на каждое нажатие стрелки вправо. Провал в гистограмме открывается; ошибка остаётся
# около плотных 1.50% до 50%, к 80% примерно удваивается, при 90% больше плотной втрое с лишним, а
# дальше взлетает (ошибка каждого кадра — в его подписи).

# %% slideshow={"slide_type": "-"}
# NBVAL_IGNORE_OUTPUT
# (картинки; числа напечатаны ниже)
plots.frames(
    panel,
    [{"sparsity": s, "scope": "layer"} for s in (0, 50, 80, 90, 95, 99)],
    lambda setting, shown: f"прорежено {setting['sparsity']}%, послойно: ошибка на тесте {100 * shown['error']:.2f}%",
)

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: замена ползунка в статичной презентации: каждое нажатие стрелки вправо — ещё одна
# разреженность; смотрите, как открывается провал в гистограмме, и на ошибку: почти ровная до 50%
# (1.50% -> 1.59%), при 80% примерно вдвое выше (2.95%), при 90% больше плотной втрое с лишним (5.10%),
# а дальше взлетает (23.84% при 95%, 76.94% при 99%). Спросите аудиторию: где бы вы остановились без
# дообучения? Время: 1,5 мин.

# %% slideshow={"slide_type": "fragment"} tags=["check"]
for sparsity in (0, 50, 90, 99):
    shown = panel.update(sparsity=sparsity, scope="layer")
    print(
        f"вживую, послойно {sparsity:2d}%: ошибка {100 * shown['error']:6.2f}% на {shown['test_images']:,} изображениях, "
        f"весов {shown['nonzero_weights']:7,d}, плотно {shown['dense_kb']:7.1f} КБ, CSR {shown['csr_kb']:7.1f} КБ"
    )
retrained = dict(zip(experiment.GRID, r300["iterative"]["layer"]))
print(f"посчитано заранее: прорежено до 90% и дообучено, ошибка {100 * retrained[0.9]:.2f}%")
shown5 = widgets.pruning_panel("lenet5").update(sparsity=90, scope="layer")
print(f"вживую, LeNet-5 послойно 90%: ошибка {100 * shown5['error']:.2f}% на первых {shown5['test_images']:,} тестовых изображениях")
dense, sparse = panel.update(sparsity=0), panel.update(sparsity=90)
assert dense["csr_kb"] > dense["dense_kb"] and sparse["csr_kb"] < dense["dense_kb"] / 4
assert abs(sparse["error"] - pruned_error(0.9, "test")) < 1e-6  # живая панель прореживает так же, как раздел 3 (на тестовых изображениях)
assert retrained[0.9] < sparse["error"]  # дообучение (посчитано заранее) возвращает то, что потеряло одно прореживание
shown = panel.update()  # обратно к положениям элементов управления, чтобы сохранённая панель была согласована сама с собой

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Дообучите сами, вживую
#
# Одна точка серой кривой по-настоящему: LeNet-300-100, послойно прореженная до 95% (её ошибка
# подскакивает), затем одна эпоха SGD на 55,000 обучающих изображениях — несколько секунд на CPU
# ноутбука. Маски сохраняются: прореженные веса остаются ровно нулевыми. С фиксированным зерном генератора и на
# одном потоке torch, поэтому напечатанные цифры одинаковы при каждом запуске.

# %% slideshow={"slide_type": "fragment"}
model = baselines.pretrained("lenet_300_100")
pruning.apply_masks(model, pruning.layerwise_masks(model, 0.95))
before = train.evaluate(model)
assert len(load_mnist("train")[1]) == 55_000  # обучающие изображения из текста (5,000 валидационных не участвуют)
threads = torch.get_num_threads()
torch.set_num_threads(1)  # один поток: те же суммы в том же порядке, поэтому те же цифры при каждом запуске
try:
    train.fit(model, 1, 0.01, weight_decay=5e-4, desc="дообучение, 1 эпоха")
finally:
    torch.set_num_threads(threads)
after = train.evaluate(model)
kept = sum(nz for nz, _ in network.nonzero_weights(model).values())
print(f"прорежено 95%, послойно: ошибка на тесте {100 * before:.2f}% -> {100 * after:.2f}% после одной эпохи, осталось весов: {kept:,}")
assert after < before / 5 and kept == sum(n - round(0.95 * n) for _, n in network.nonzero_weights(model).values())

# %% [markdown] slideshow={"slide_type": "notes"}
# Заметки докладчика: CSR хранит индекс столбца рядом с каждым значением, поэтому он окупается, только
# когда удалено больше половины весов. Относительные индексы статьи (4-8 бит) и квантование из
# следующих глав сжимают ещё сильнее: Deep Compression уменьшает LeNet-300-100 с 1070 КБ до 27 КБ.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Итоги
#
# - Прореживание по модулю удаляет связи с наименьшими |w|: послойно (у каждого слоя свой порог)
#   или глобально (один порог); LWC задаёт порог как «качество x std» слоя.
# - Само прореживание стоит точности; дообучение оставшихся весов при сохранённых масках её
#   возвращает. Прореживание и дообучение раундами идут дальше, чем за один шаг.
# - Слои различаются: анализ чувствительности (по одному слою, без дообучения, на валидационных
#   изображениях) показывает, чего стоит каждому слою одно прореживание. Наши степени — из статьи
#   (таблицы 2-3): сильнее всего прореживаются слои с наибольшим числом весов, где удалённый вес стоит меньше всего.
# - В 12 раз меньше весов (удалено 11 из каждых 12) у LeNet-300-100 и LeNet-5; осталась ли ошибка на
#   тесте в пределах 0.1 пункта от нашей базовой модели — напечатано в разделе 6, со стандартной ошибкой.

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: удалить малые веса, дообучить с сохранёнными масками, раундами; степени по слоям — из статьи, и один анализ за один шаг их бы не выбрал; 12x на LeNet и вердикт раздела 6 об ошибке. Спросите аудиторию: чего прореживание НЕ даёт на обычном CPU? (скорости: тензоры сохраняют форму; см. структурное прореживание). Время: 0,5 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Проверьте себя
#
# 1. Вы прореживаете 90% слоя проверкой `|w| > t`, где t — k-й наименьший модуль. Почему может исчезнуть больше 90%?
#
#    <details><summary>Ответ</summary>
#
#    Уходит и каждый вес, модуль которого равен t: при равных значениях на границе отсечения (например, множестве точных нулей) удаляется больше k весов. Чтобы удалить ровно k, нужна сортировка, а равные значения разбиваются по позиции.
#
#    </details>
#
# 2. Послойный или глобальный порог: какой из них удалит больше из слоя, все веса которого малы?
#
#    <details><summary>Ответ</summary>
#
#    Глобальный: он сравнивает модули между слоями, поэтому слой малых весов теряет больше целевой доли, а слой больших весов — меньше.
#
#    </details>
#
# 3. Почему прореженный вес нужно маскировать заново после каждого шага оптимизатора, а не один раз?
#
#    <details><summary>Ответ</summary>
#
#    Градиент (а также momentum и weight decay) прореженного веса в общем случае не равен нулю: один шаг вернул бы его. Маску нужно применять к тому весу, с которым вычисляет сеть.
#
#    </details>
#
# 4. Анализ чувствительности за один шаг (без дообучения) показывает, что ошибка conv1 растёт первой. Какую степень прореживания вы дадите conv1, и дали бы вы наименьшую степень каждому слою, который ломается первым?
#
#    <details><summary>Ответ</summary>
#
#    Для conv1 — самую низкую среди всех слоёв (статья сохраняет 66% его весов): весов у него мало, так что прореживание экономит немного, а через них проходит каждое изображение. Но не обязательно каждому: анализ за один шаг сравнивает равные доли без дообучения. В fc1 сети LeNet-300-100 88% всех весов, каждый стоит мало, а дообучение возвращает бо́льшую часть потерь, поэтому статья прореживает его сильнее всех (92%), что бы ни показал анализ первым.
#
#    </details>

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: вопрос 1 (равные значения на границе отсечения) — классическая ошибка в упражнении 1.1; дайте аудитории минуту, затем откройте ответ. Время: 1 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Список литературы
#
# - S. Han, J. Pool, J. Tran, W. J. Dally. *Learning both Weights and Connections for Efficient
#   Neural Networks.* NIPS 2015. arXiv:1506.02626 (таблицы 1-5, рис. 4-7: эта глава)
# - S. Han, H. Mao, W. J. Dally. *Deep Compression: Compressing Deep Neural Networks with
#   Pruning, Trained Quantization and Huffman Coding.* ICLR 2016. arXiv:1510.00149
# - C. A. Walsh. *Peter Huttenlocher (1931-2013).* Nature 502:172, 2013 (число синапсов)
# - Y. LeCun, L. Bottou, Y. Bengio, P. Haffner. *Gradient-Based Learning Applied to Document
#   Recognition.* Proc. IEEE 1998 (LeNet-5, MNIST)
# - PyTorch, `torch.nn.utils.prune` (`custom_from_mask`, `global_unstructured`): маски из раздела 2

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: статья о прореживании — источник этой главы; Deep Compression строится на ней в следующих главах; Walsh — для числа синапсов. Время: 0,5 мин (покажите, не зачитывайте).

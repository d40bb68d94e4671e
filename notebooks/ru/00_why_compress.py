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
# # Зачем сжимать нейронные сети?
#
# Глубокие сети сегодня работают там, где нет центра обработки данных:
#
# - **приложения на телефоне**: поиск по фотографиям, распознавание речи, перевод — на самом устройстве, без сети;
# - **беспилотные автомобили**: много камер, каждый кадр, жёсткий предел по времени;
# - **шлемы VR и AR**: отслеживание и отрисовка на батарее, закреплённой у вас на голове.
#
# Туда за ними следуют три проблемы:
#
# | проблема | чем она мешает |
# |---|---|
# | **задержка** | запрос к серверу и ответ слишком медленны для тормозов автомобиля или кадра в шлеме |
# | **память** | магазины приложений ограничивают размер загрузки; модель на 500 МБ в приложение не попадёт |
# | **энергия** | батарея; и большая часть энергии уходит на перемещение весов, а не на вычисления |

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: сети теперь работают на телефонах, в автомобилях и шлемах, вдали от центра обработки данных; туда за ними следуют три проблемы: задержка, память, энергия. Спросите аудиторию: у кого есть приложение, которое распознаёт лица или речь без сети? Насколько большой может быть его модель? Сошлитесь на: Han et al. 2015, введение (магазины приложений, батарея). Время: 2 мин.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Перед началом
#
# **Вы научитесь**
#
# - объяснять, почему энергию сети определяет чтение весов из DRAM, а не арифметика;
# - считать параметры сети и её размер в мегабайтах;
# - сравнивать модель с объёмом встроенной памяти мобильного чипа.
#
# **Что нужно знать заранее:** Python и из PyTorch — `nn.Module`, тензоры и `model.parameters()`.
#
# **Время:** около 20 минут на чтение и запуск, плюс 3 упражнения (около 15 минут).
#
# **Упражнения.** Каждая ячейка «Упражнение» просит реализовать один шаг метода — короткую функцию,
# тело которой `raise NotImplementedError()`: замените его своим кодом и запустите ячейку под ней.
# Она проверит вашу функцию на собственных примерах и напечатает `пройдено случаев: N` или первый
# непройденный случай с подсказкой (`ещё не сделано`, пока тело не изменено). Остальной части
# тетрадки ваши ответы не нужны: она использует реализацию из coursekit. Решения — в тетрадке
# преподавателя с тем же именем в `notebooks/ru/`, по соседству с вашей копией в `release/notebooks/ru/`.

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: чему учит глава и как устроены упражнения (под каждым — ячейка проверки). На лекции пропустите за 15 с; студенты прочитают дома. Время: 0,5 мин.

# %% slideshow={"slide_type": "skip"}
import matplotlib.pyplot as plt
import torch
import torchvision

import coursekit
from coursekit import checks, models, network, papers, plots, train
from coursekit.experiments import baselines

coursekit.set_language("ru")
plots.style()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Энергия: главное — обращения к памяти
#
# Энергия одной операции в техпроцессе 45 нм (Horowitz, в цитате у Han et al. 2015).
# Чтение 32-битного слова из внешней DRAM стоит **640 пДж**: больше чем в сто раз дороже чтения из
# встроенной SRAM и более чем в шесть тысяч раз дороже целочисленного сложения.

# %% slideshow={"slide_type": "fragment"}
fig, ax = plt.subplots(figsize=(7, 3))
plots.log_barh(ax, list(papers.ENERGY_PJ), list(papers.ENERGY_PJ.values()), "энергия на операцию (пДж), данные статьи", highlight={"32-bit DRAM read"})
ax.set_title("Таблица энергии (45 нм), по Han et al. 2015")
plt.show()

# %% slideshow={"slide_type": "fragment"}
ratio_sram = papers.ENERGY_PJ["32-bit DRAM read"] / papers.ENERGY_PJ["32-bit SRAM read"]
ratio_add = papers.ENERGY_PJ["32-bit DRAM read"] / papers.ENERGY_PJ["32-bit int add"]
print(f"чтение DRAM / чтение SRAM = {ratio_sram:.0f}x,  чтение DRAM / целочисленное сложение = {ratio_add:.0f}x")
assert ratio_sram > 100 and ratio_add > 6000

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: важен красный столбик: 640 пДж за одно 32-битное чтение из DRAM против 5 пДж из SRAM и 0.1 пДж на целочисленное сложение (шкала логарифмическая!). Спросите аудиторию: куда уходит энергия большой сети — на арифметику или на перемещение весов? Сошлитесь на: Han et al. 2015, рис. 1 / таблица 1 (таблица энергии Horowitz для 45 нм). Время: 2 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Пример с расчётом: 12.8 Вт только на выборку весов
#
# Сеть с миллиардом связей работает с частотой 20 кадров в секунду, и каждый вес читается
# из DRAM один раз за кадр:
#
# $$ 20\ \text{Гц} \times 10^9 \times 640\ \text{пДж} = 12.8\ \text{Вт} $$
#
# Весь бюджет мощности телефона — несколько ватт. Это пример из статьи; вот расчёт.

# %% slideshow={"slide_type": "fragment"}
ex = papers.DRAM_EXAMPLE
watts = ex["hz"] * ex["connections"] * papers.ENERGY_PJ["32-bit DRAM read"] * 1e-12
print(f"{ex['hz']} Гц x {ex['connections']:.0e} связей x 640 пДж = {watts:.1f} Вт")
assert abs(watts - ex["watts"]) < 1e-9


# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: посчитайте вслух: 20 кадров в секунду x миллиард связей x 640 пДж = 12.8 Вт, в несколько раз больше всего бюджета телефона — и это только на выборку весов. Спросите аудиторию: что могло бы это уменьшить? (меньше весов, меньше бит, веса на кристалле). Сошлитесь на: Han et al. 2015, разд. 1 (пример с 12.8 Вт). Время: 1,5 мин.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Упражнение 0.1 (1 балл): энергия одного прохода, веса из DRAM
#
# Один проход (инференс) полносвязной сети читает каждый вес один раз. Если каждый вес приходит из
# внешней DRAM, сколько **джоулей** это стоит? Используйте таблицу для 45 нм выше
# (`papers.ENERGY_PJ`, в пикоджоулях; 1 пДж = 1e-12 Дж). Для LeNet-300-100 (266,610 параметров)
# должно получиться около 0.17 мДж, так что 20 проходов в секунду уже тратили бы 3.4 мВт только
# на DRAM.
#
# Ячейка ниже проверяет вашу функцию на собственных примерах по `papers.ENERGY_PJ` из coursekit.

# %% nbgrader={"grade": false, "grade_id": "dram_energy_joules", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def dram_energy_joules(n_weights):
    """Энергия в джоулях на однократное чтение ``n_weights`` 32-битных весов из DRAM."""
    ### BEGIN SOLUTION
    return n_weights * papers.ENERGY_PJ["32-bit DRAM read"] * 1e-12
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_dram_energy_joules", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_dram_energy_joules(dram_energy_joules)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Память: насколько велики сети?
#
# Число параметров берётся из самих архитектур: две сети LeNet этого курса и AlexNet и VGG-16 из
# torchvision, построенные на устройстве `meta` из PyTorch (только формы тензоров: ни памяти, ни
# загрузки весов). При 32 битах на вес размер — 4 байта на параметр.

# %% slideshow={"slide_type": "fragment"}
builders = {
    "LeNet-300-100": models.lenet_300_100,
    "LeNet-5": models.lenet5,
    "AlexNet": lambda: torchvision.models.alexnet(weights=None),
    "VGG-16": lambda: torchvision.models.vgg16(weights=None),
}
params = {}
for name, build in builders.items():
    with torch.device("meta"):
        params[name] = network.count_parameters(build())
    print(f"{name:14s} {params[name]:>12,d} парам.  {params[name] * 4 / 2**20:8.1f} МБ в fp32")

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: число параметров — прямо из архитектур (устройство meta: веса не загружаются); по 4 байта на параметр в fp32: AlexNet 233 МБ, VGG-16 528 МБ. Спросите аудиторию: в каких слоях AlexNet большая часть параметров? (в полносвязных). Сошлитесь на: Deep Compression, таблица 1 (исходные размеры). Время: 1,5 мин.

# %% slideshow={"slide_type": "skip"}
# Числа из статей: 267K, 431K, 61M, 138M.
assert params["LeNet-300-100"] == 266_610 and params["LeNet-5"] == 431_080
assert round(params["AlexNet"] / 1e6, 1) == 61.1 and round(params["VGG-16"] / 1e6, 1) == 138.4


# %% [markdown] slideshow={"slide_type": "skip"}
# ### Упражнение 0.2 (1 балл): посчитать параметры сети
#
# Напишите `count_parameters(model)`: число скалярных параметров любого `nn.Module`, весов
# **и** смещений, в слоях любого вида (свёртки, линейные слои, батч-нормализация ...). Таблицу
# выше напечатала функция `network.count_parameters` из coursekit; ваша должна с ней совпадать.

# %% nbgrader={"grade": false, "grade_id": "count_parameters", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def count_parameters(model):
    """Число скалярных параметров (весов и смещений) ``model``."""
    ### BEGIN SOLUTION
    return sum(p.numel() for p in model.parameters())
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_count_parameters", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_count_parameters(count_parameters)


# %% [markdown] slideshow={"slide_type": "skip"}
# ### Упражнение 0.3 (1 балл): от параметров к мегабайтам
#
# Напишите `fp32_megabytes(n_parameters)`: размер в МБ для `n_parameters` чисел, хранимых как
# 32-битные float, где 1 МБ = 2**20 байт, как в таблице выше (AlexNet: 233 МБ).

# %% nbgrader={"grade": false, "grade_id": "fp32_megabytes", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def fp32_megabytes(n_parameters):
    """Размер в МБ (2**20 байт) для ``n_parameters`` 32-битных float."""
    ### BEGIN SOLUTION
    return n_parameters * 4 / 2**20
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_fp32_megabytes", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_fp32_megabytes(fp32_megabytes)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Сравним со встроенной памятью
#
# Встроенная в кристалл SRAM дёшева при чтении (5 пДж), но мала. Примем **8 МБ** как порядок
# величины встроенной памяти мобильного чипа (это допущение, а не число из статьи: измените его и
# перезапустите). Сети LeNet помещаются с запасом; AlexNet и VGG-16 больше в 29 и 66 раз, поэтому
# каждый вес приходит из DRAM по 640 пДж. Именно сжатие переносит модель через эту границу.

# %% slideshow={"slide_type": "fragment"}
SRAM_MB = 8
sizes_mb = {name: n * 4 / 2**20 for name, n in params.items()}
fig, ax = plt.subplots(figsize=(7, 2.6))
plots.log_barh(ax, list(sizes_mb), [round(v, 2) for v in sizes_mb.values()], "размер модели в fp32 (МБ)", highlight={n for n, v in sizes_mb.items() if v > SRAM_MB})
ax.axvline(SRAM_MB, color="k", ls="--")
ax.text(SRAM_MB * 1.1, 3.4, f"{SRAM_MB} МБ встроенной SRAM")
plt.show()
too_big = {name: round(v / SRAM_MB) for name, v in sizes_mb.items() if v > SRAM_MB}
print("во сколько раз больше, чем SRAM:", too_big)
assert too_big == {"AlexNet": 29, "VGG-16": 66}

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: 8 МБ SRAM — наше допущение для мобильного чипа; сети LeNet помещаются, AlexNet и VGG-16 больше в 29 и 66 раз, поэтому каждый вес приходит из DRAM. Спросите аудиторию: во сколько раз нужно уменьшить AlexNet, чтобы она поместилась? (примерно в 30 раз: Deep Compression достигает 35x). Сошлитесь на: Deep Compression, разд. 1 (размещение во встроенной SRAM). Время: 1,5 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Две наши базовые модели
#
# Каждая глава начинается с одних и тех же двух обученных сетей, которые поставляются с курсом в
# `data/weights/` (safetensors: их загрузка не исполняет кода). `python -m coursekit.train lenet5`
# заново обучает одну из них с нуля с фиксированным зерном генератора (seed). Эталонные ошибки статей — 1.64% и 0.80%;
# наши должны быть не хуже, и ячейка ниже проверяет это на 10,000 тестовых изображений.

# %% slideshow={"slide_type": "fragment"}
paper_error = {"lenet_300_100": papers.LWC_TABLE1["lenet_300_100"]["error"][0], "lenet5": papers.LWC_TABLE1["lenet5"]["error"][0]}
for name, reference in paper_error.items():
    error = train.evaluate(baselines.pretrained(name))
    info = baselines.baseline_info(name)
    print(f"{name:14s} ошибка на тесте {100 * error:.2f}%  (эталон статьи {100 * reference:.2f}%), эпох обучения: {info['epochs']}, зерно {info['seed']}")
    assert error <= reference

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: каждая глава начинается с одних и тех же двух обученных сетей, сохранённых в safetensors; наши не менее точны, чем в статьях (1.33% и 0.73% против 1.64% и 0.80%). Спросите аудиторию: почему сравнивать нужно с нашей собственной базовой моделью, а не с числом из статьи? Сошлитесь на: Han et al. 2015, таблица 1 (эталонные ошибки). Время: 1 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Курс
#
# | тетрадка | что вы увидите |
# |---|---|
# | `01_pruning` | прореживание (pruning) по модулю и дообучение: в 12 раз меньше весов без потери точности; аналогия с синапсами |
# | `02_quantization` | разделение весов (weight sharing) через k-means: несколько бит на вес, обучаемые центроиды |
# | `03_huffman` | кодирование Хаффмана (Huffman coding) и весь конвейер Deep Compression с записью в настоящий файл |
# | `04_factorization` | низкоранговые слои, O(nm) -> O((n+m)d), и матричная факторизация нейронной сети |
# | `05_structured_pruning` | удаление целых карт признаков по критерию Тейлора: настоящее ускорение |
#
# В каждой главе есть ползунки: двигайте их и смотрите, как меняются ошибка, размер и веса.

# %% [markdown] slideshow={"slide_type": "notes"}
# Заметки докладчика: начните с телефоном в руке. Спросите, насколько большой может быть модель
# приложения для фотографий, затем покажите таблицу энергии: суть в том, что выборка веса из DRAM
# стоит 640 пДж, поэтому меньшая модель не только меньше, но и дешевле в работе. Пример с 12.8 Вт
# приведите по Han et al. 2015.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Итоги
#
# - Выборка 32-битного веса из DRAM стоит 640 пДж, более чем в 100 раз дороже чтения из SRAM:
#   энергия большой сети уходит на перемещение весов, а не на вычисления с ними.
# - AlexNet (61M параметров, 233 МБ) и VGG-16 (138M, 528 МБ) слишком велики для нескольких МБ
#   встроенной памяти, поэтому каждый проход читает их из DRAM.
# - Именно сжатие помещает модель во встроенную память и в размер загрузки приложения.

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: три фразы: энергию определяют чтения из DRAM; большие сети не помещаются на кристалл; сжатие переносит их через эту границу. Спросите аудиторию: вопрос 2 ниже (10 миллионов параметров: помещается ли в 8 МБ?). Время: 0,5 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Проверьте себя
#
# 1. Почему курс считает веса, прочитанные из DRAM, а не операции умножения-сложения?
#
#    <details><summary>Ответ</summary>
#
#    32-битное чтение из DRAM стоит 640 пДж, умножение float — 3.7 пДж: чтения преобладают на два порядка.
#
#    </details>
#
# 2. В сети 10 миллионов параметров. Сколько МБ она занимает при 32 битах и помещается ли в 8 МБ SRAM?
#
#    <details><summary>Ответ</summary>
#
#    10e6 x 4 / 2**20 = 38.1 МБ: примерно в 5 раз больше.
#
#    </details>
#
# 3. Во сколько раз нужно уменьшить эту сеть, чтобы она поместилась, и какие главы помогут этого добиться?
#
#    <details><summary>Ответ</summary>
#
#    Примерно в 5 раз. Прореживание (около 10x на полносвязных слоях), квантование (quantization) до нескольких бит (8x при 4 битах) и кодирование Хаффмана перемножаются; Deep Compression даёт 35-49x.
#
#    </details>
#
# 4. Всегда ли меньший файл модели ускоряет инференс?
#
#    <details><summary>Ответ</summary>
#
#    Нет. Разреженная или квантованная модель экономит память и энергию, но только структурное прореживание или низкоранговые слои (главы 04 и 05) сокращают число FLOPs плотных вычислений на обычном оборудовании.
#
#    </details>

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: дайте аудитории 1 минуту на вопросы 1-2, затем откройте ответы. Время: 1 мин (на лекции пропустите, если не успеваете).

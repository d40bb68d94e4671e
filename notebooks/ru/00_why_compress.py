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
#
# Эта тетрадка выражает каждую из них числом: энергию — по таблице статьи для 45 нм, память — по
# архитектурам, задержку — измерив её на процессоре этого компьютера.

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: сети теперь работают на телефонах, в автомобилях и шлемах, вдали от центра обработки данных; туда за ними следуют три проблемы: задержка, память, энергия. Спросите аудиторию: у кого есть приложение, которое распознаёт лица или речь без сети? Насколько большой может быть его модель? Сошлитесь на: Han et al. 2015, введение (магазины приложений, батарея). Время: 2 мин.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Перед началом
#
# **Вы научитесь**
#
# - объяснять, почему энергию сети определяет чтение весов из DRAM, а не арифметика;
# - считать параметры сети и её размер в мегабайтах;
# - сравнивать модель с объёмом встроенной памяти мобильного чипа;
# - измерять задержку одного прохода и пакета (батча) и объяснять, что даёт пакетная обработка, а чего не даёт.
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
import statistics
import time

import matplotlib.pyplot as plt
import torch
import torchvision

import coursekit
from coursekit import checks, models, network, papers, plots, train
from coursekit.data import load_mnist
from coursekit.experiments import baselines

coursekit.set_language("ru")  # язык того, что печатает coursekit (английское издание говорит "en")
plots.style()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Энергия: главное — обращения к памяти
#
# Энергия одной операции в техпроцессе 45 нм (Horowitz, в цитате у Han et al. 2015).
# Чтение 32-битного слова из внешней DRAM стоит **640 пДж**: больше чем в сто раз дороже чтения из
# встроенной SRAM и более чем в шесть тысяч раз дороже целочисленного сложения.

# %% slideshow={"slide_type": "fragment"}
# подписи столбцов: ключи papers.ENERGY_PJ, выписанные явно, чтобы перевод мог их изменить
labels = {
    "32-bit int add": "сложение целых, 32 бит",
    "32-bit float add": "сложение float, 32 бит",
    "32-bit register file": "регистровый файл, 32 бит",
    "32-bit int mult": "умножение целых, 32 бит",
    "32-bit float mult": "умножение float, 32 бит",
    "32-bit SRAM read": "чтение SRAM, 32 бит",
    "32-bit DRAM read": "чтение DRAM, 32 бит",
}
assert list(labels) == list(papers.ENERGY_PJ)
fig, ax = plt.subplots(figsize=(7, 3))
plots.log_barh(ax, list(labels.values()), list(papers.ENERGY_PJ.values()), "энергия на операцию (пДж), данные статьи", highlight={labels["32-bit DRAM read"]})
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
ax.text(SRAM_MB * 1.15, 0, f"{SRAM_MB} МБ встроенной SRAM", va="center")  # в строке LeNet-300-100, справа от её короткого столбика
plt.show()
too_big = {name: round(v / SRAM_MB) for name, v in sizes_mb.items() if v > SRAM_MB}
print("во сколько раз больше, чем SRAM:", too_big)
assert too_big == {"AlexNet": 29, "VGG-16": 66}

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: 8 МБ SRAM — наше допущение для мобильного чипа; сети LeNet помещаются, AlexNet и VGG-16 больше в 29 и 66 раз, поэтому каждый вес приходит из DRAM. Спросите аудиторию: во сколько раз нужно уменьшить AlexNet, чтобы она поместилась? (примерно в 30 раз: Deep Compression достигает 35x). Сошлитесь на: Deep Compression, разд. 1 (размещение во встроенной SRAM). Время: 1,5 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Задержка: сколько длится один проход?
#
# Тормоз автомобиля или следующий кадр шлема ждёт **один** вход: время одного прямого прохода. Сервер
# собирает **пакет** (батч) и обрабатывает его целиком: на одно изображение дешевле, но первое
# изображение ждёт весь пакет. Время измерено на одном ядре процессора этого компьютера: медиана
# нескольких запусков после разогревочного, со случайными весами (время не зависит от их значений;
# ничего не загружается). Мы считаем процессорное время вычисления (`time.thread_time`), а не время по
# часам, чтобы другие программы на общей машине его не завышали; на устройстве, которое больше ничем
# не занято, они совпадают. Ваши миллисекунды будут отличаться от наших: проверки проверяют только их порядок.

# %% slideshow={"slide_type": "fragment"}
def latency_seconds(model, inputs, runs):
    """Медиана процессорного времени ``model(inputs)`` в секундах на одном потоке по ``runs`` запускам после одного разогревочного."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # одно ядро: вычисление идёт в этом потоке, поэтому thread_time видит его целиком
    model.eval()
    try:
        with torch.inference_mode():
            model(inputs)  # разогрев: первый вызов выделяет память и выбирает ядра вычислений
            times = []
            for _ in range(runs):
                start = time.thread_time()
                model(inputs)
                times.append(time.thread_time() - start)
    finally:
        torch.set_num_threads(threads)
    return statistics.median(times)


BATCH = 256
FRAME_MS = 1000 / 30  # один кадр камеры на 30 кадров в секунду: 33 мс
torch.manual_seed(0)
timed = {  # имя: (сеть со случайными весами, форма одного входа)
    "LeNet-300-100": (models.lenet_300_100(), (1, 28, 28)),
    "LeNet-5": (models.lenet5(), (1, 28, 28)),
    "AlexNet": (torchvision.models.alexnet(weights=None), (3, 224, 224)),
}
one_ms, batch_ms = {}, {}
for name, (model, shape) in timed.items():
    one_ms[name] = 1e3 * latency_seconds(model, torch.randn(1, *shape), runs=20)
    batch_ms[name] = 1e3 * latency_seconds(model, torch.randn(BATCH, *shape), runs=3)
    print(f"{name:14s} одно изображение {one_ms[name]:8.3f} мс   пакет из {BATCH}: {batch_ms[name]:9.1f} мс ({batch_ms[name] / BATCH:.4f} мс на изображение)")

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: задержку чувствуют автомобиль и шлем: это время одного прямого прохода. Прочитайте напечатанные времена: сети LeNet отвечают за доли миллисекунды, AlexNet — за миллисекунды или десятки миллисекунд, заметную часть кадра камеры в 33 мс, на процессоре, который больше ничем не занят. Спросите аудиторию: что ещё этому процессору нужно успеть за те же 33 мс? Сошлитесь на: лекция Хана (список проблем: задержка, память, энергия). Время: 1,5 мин.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Одно изображение против пакета

# %% slideshow={"slide_type": "-"}
fig, ax = plt.subplots(figsize=(8, 3.2))
bars = {f"{name}, {what}": ms for name in timed for what, ms in (("1 изобр.", one_ms[name]), (f"{BATCH} изобр.", batch_ms[name]))}
plots.log_barh(ax, list(bars), [float(f"{ms:.2g}") for ms in bars.values()], "время одного прямого прохода (мс), одно ядро CPU", highlight={f"AlexNet, {BATCH} изобр."})
plt.show()
for name in timed:
    print(f"{name:14s} на одно изображение пакет из {BATCH} в {one_ms[name] / (batch_ms[name] / BATCH):.1f} раза дешевле, чем по одному изображению")
print(f"пакет AlexNet из {BATCH} длится столько же, сколько {batch_ms['AlexNet'] / FRAME_MS:.0f} кадр. камеры при 30 кадрах/с")

# %% slideshow={"slide_type": "-"} tags=["check"]
assert one_ms["LeNet-300-100"] < one_ms["LeNet-5"] < one_ms["AlexNet"]  # больше работы — больше задержка
assert batch_ms["LeNet-300-100"] < batch_ms["LeNet-5"] < batch_ms["AlexNet"]
assert one_ms["AlexNet"] > 10 * one_ms["LeNet-5"]
for name in ("LeNet-300-100", "LeNet-5"):  # одиночный проход малой сети — в основном постоянные накладные расходы
    assert batch_ms[name] / BATCH < one_ms[name], name
assert batch_ms["AlexNet"] > FRAME_MS  # из-за пакета первое изображение ждёт гораздо дольше кадра

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: пакетная обработка удешевляет каждое изображение, сильнее всего для маленьких LeNet, у которых одиночный проход — в основном постоянные накладные расходы; но первое изображение пакета ждёт его целиком, а пакет AlexNet из 256 длится секунды — много кадров камеры. Спросите аудиторию: почему телефон не может просто собирать кадры камеры в пакеты? Время: 1 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Две наши базовые модели
#
# Каждая глава начинается с одних и тех же двух обученных сетей, которые поставляются с курсом в
# `data/weights/` (safetensors: их загрузка не исполняет кода).
# `python -m coursekit.train lenet5 --out my_lenet5.safetensors` (или `lenet_300_100`) заново обучает
# одну из них с нуля с фиксированным зерном генератора (seed) и записывает в этот файл, а рядом — её
# JSON (ошибки, рецепт, зерно). Без `--out` команда останавливается: поставляемый файл
# перезаписывается только с `--force`, а это заменяет базовую модель, от которой посчитаны заранее
# результаты всех глав; `--no-save` ничего не записывает. Обе сети учатся на 55,000 из 60,000
# обучающих изображений MNIST; остальные 5,000 — **валидационная выборка** (validation set), по
# которой сделан выбор при обучении (когда остановиться; и скорость обучения там, где пробовали
# больше одной: строки ниже говорят, где именно). 10,000 **тестовых** изображений служат только для
# отчёта: ошибка на тесте каждой сети, один раз, со стандартной ошибкой $\sqrt{e(1-e)/10^4}$, рядом
# с 1.64% и 0.80% из статей.

# %% slideshow={"slide_type": "fragment"}
display_names = {"lenet_300_100": "LeNet-300-100", "lenet5": "LeNet-5"}
paper_error = {"lenet_300_100": papers.LWC_TABLE1["lenet_300_100"]["error"][0], "lenet5": papers.LWC_TABLE1["lenet5"]["error"][0]}
for name, reference in paper_error.items():
    info = baselines.baseline_info(name)
    error = train.evaluate(baselines.pretrained(name), "test")
    standard_error = (error * (1 - error) / 10_000) ** 0.5
    verdict = "ниже" if error < reference else "не ниже"
    print(
        f"{display_names[name]:14s} ошибка на тесте {100 * error:.2f}% +- {100 * standard_error:.2f} (в статье {100 * reference:.2f}%: "
        f"наша {verdict}, разница в стандартных ошибках: {abs(error - reference) / standard_error:.1f})"
    )
    if len(info["lr_candidates"]) > 1:
        rate = f"lr {info['lr']}: лучшая из {', '.join(map(str, info['lr_candidates']))} на валидации"
    else:
        rate = f"lr {info['lr']}: единственная опробованная, выбрана раньше по тесту"
    print(f"{'':14s} {rate}; взята эпоха {info['epochs']} из {info['schedule_epochs']} (мин. ошибка на валидации, {100 * info['val_error']:.2f}%)")
    assert error == info["test_error"]  # поставляемые веса — те самые, что измерены при их создании
    assert info["train_images"] == 55_000 and len(load_mnist("val")[1]) == 5_000  # разбиение из текста
    assert (verdict == "ниже") == (error < reference)  # фраза говорит то же, что и числа

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: каждая глава начинается с одних и тех же двух обученных сетей, сохранённых в safetensors; каждый выбор при их обучении сделан на 5,000 отложенных валидационных изображениях, а ошибка на тесте сообщается один раз, со стандартной ошибкой, рядом с числом статьи (прочитайте напечатанные строки: ниже или нет). Спросите аудиторию: почему выбирать нужно по валидационной выборке, а не по тестовой? (выбор, подогнанный под тест, делает ошибку на тесте лучше, чем она есть). Почему сжатые сети сравнивают с нашей собственной базовой моделью, а не с числом из статьи? Сошлитесь на: Han et al. 2015, таблица 1 (эталонные ошибки). Время: 1,5 мин.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Курс
#
# | тетрадка | что вы увидите |
# |---|---|
# | `01_pruning` | прореживание (pruning) по модулю и дообучение: в 12 раз меньше весов, и чего это стоит в точности; аналогия с синапсами |
# | `02_quantization` | разделение весов (weight sharing) через k-means: несколько бит на вес, обучаемые центроиды |
# | `03_huffman` | кодирование Хаффмана (Huffman coding) и весь конвейер Deep Compression с записью в настоящий файл |
# | `04_factorization` | низкоранговые слои, O(nm) -> O((n+m)d), и матричная факторизация нейронной сети |
# | `05_structured_pruning` | удаление целых карт признаков по критерию Тейлора: настоящее ускорение |
#
# В главах о прореживании, квантовании и разложении есть живые ползунки: каждое движение по-настоящему
# прореживает, квантует или усекает сеть и оценивает её, а вы смотрите, как меняются ошибка, размер и
# веса. Ползунок главы о структурном прореживании лишь перебирает шаги траектории, посчитанной заранее
# (`python -m coursekit.reproduce structured`): при его движении ничего не прореживается и не
# измеряется. В главе о Хаффмане ползунка нет: она записывает настоящий сжатый файл и читает его обратно.

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
# - Задержка растёт с объёмом работы: на CPU одно изображение AlexNet занимает более чем в 10 раз
#   больше времени, чем изображение LeNet-5. Пакетная обработка удешевляет каждое изображение, но
#   первое изображение ждёт весь пакет.
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

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Список литературы
#
# - S. Han, J. Pool, J. Tran, W. J. Dally. *Learning both Weights and Connections for Efficient
#   Neural Networks.* NIPS 2015. arXiv:1506.02626 (таблица энергии, пример с 12.8 Вт)
# - S. Han, H. Mao, W. J. Dally. *Deep Compression: Compressing Deep Neural Networks with
#   Pruning, Trained Quantization and Huffman Coding.* ICLR 2016. arXiv:1510.00149
# - M. Horowitz. *Computing's Energy Problem (and what we can do about it).* ISSCC 2014 (энергии для 45 нм)
# - Y. LeCun, L. Bottou, Y. Bengio, P. Haffner. *Gradient-Based Learning Applied to Document
#   Recognition.* Proc. IEEE 1998 (LeNet, MNIST)
# - A. Krizhevsky, I. Sutskever, G. E. Hinton. *ImageNet Classification with Deep Convolutional
#   Neural Networks.* NIPS 2012 (AlexNet)
# - K. Simonyan, A. Zisserman. *Very Deep Convolutional Networks for Large-Scale Image
#   Recognition.* ICLR 2015 (VGG-16)

# %% [markdown] slideshow={"slide_type": "notes"}
# Скажите: две статьи курса (прореживание, затем Deep Compression), таблица энергии Horowitz и статьи четырёх сетей. Время: 0,5 мин (покажите, не зачитывайте).

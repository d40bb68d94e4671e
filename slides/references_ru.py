# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Список литературы
#
# - S. Han, H. Mao, W. J. Dally. *Deep Compression: Compressing Deep Neural Networks with
#   Pruning, Trained Quantization and Huffman Coding.* ICLR 2016. arXiv:1510.00149
# - S. Han, J. Pool, J. Tran, W. J. Dally. *Learning both Weights and Connections for Efficient
#   Neural Networks.* NIPS 2015. arXiv:1506.02626
# - P. Molchanov, S. Tyree, T. Karras, T. Aila, J. Kautz. *Pruning Convolutional Neural Networks
#   for Resource Efficient Inference.* ICLR 2017. arXiv:1611.06440
# - G. K. Dziugaite, D. M. Roy. *Neural Network Matrix Factorization.* arXiv:1511.06443, 2015
# - C. A. Walsh. *Peter Huttenlocher (1931-2013).* Nature 502:172, 2013 (число синапсов)

# %% [markdown] slideshow={"slide_type": "notes"}
# Deep Compression — конвейер этой лекции: прореживание (pruning) оставляет от 1/9 до 1/13 весов,
# квантование (quantization) хранит их в 5 (полносвязные слои) — 8 (свёрточные) битах, кодирование
# Хаффмана сжимает остальное: в 35 раз для AlexNet и в 49 раз для VGG-16 без потери точности
# (таблица 1 статьи). Molchanov и соавторы удаляют целые карты признаков, и сеть становится
# быстрее, а не только меньше. Dziugaite и Roy заменяют скалярное произведение в матричном
# разложении небольшой сетью. Каждое наше число на этих слайдах получено в ячейке блокнота,
# которая его проверяет.

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
# ## References
#
# - S. Han, H. Mao, W. J. Dally. *Deep Compression: Compressing Deep Neural Networks with
#   Pruning, Trained Quantization and Huffman Coding.* ICLR 2016. arXiv:1510.00149
# - S. Han, J. Pool, J. Tran, W. J. Dally. *Learning both Weights and Connections for Efficient
#   Neural Networks.* NIPS 2015. arXiv:1506.02626
# - P. Molchanov, S. Tyree, T. Karras, T. Aila, J. Kautz. *Pruning Convolutional Neural Networks
#   for Resource Efficient Inference.* ICLR 2017. arXiv:1611.06440
# - G. K. Dziugaite, D. M. Roy. *Neural Network Matrix Factorization.* arXiv:1511.06443, 2015
# - C. A. Walsh. *Peter Huttenlocher (1931-2013).* Nature 502:172, 2013 (the synapse counts)

# %% [markdown] slideshow={"slide_type": "notes"}
# Deep Compression is the pipeline of this lecture: pruning keeps 1/9 to 1/13 of the weights,
# quantization stores them in 5 (fc) to 8 (conv) bits, Huffman coding squeezes the rest:
# 35x for AlexNet and 49x for VGG-16 with no loss of accuracy (the paper's Table 1).
# Molchanov et al. remove whole feature maps, which makes a network faster, not only smaller.
# Dziugaite & Roy replace the inner product of matrix factorization by a small network.
# Every number of ours in these slides comes from a notebook cell that checks it.

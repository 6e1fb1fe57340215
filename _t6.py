import cProfile, pstats, numpy as np
from symact.network import Network
from symact.network_check import check_network
rng=np.random.default_rng(1)
net=Network([2,3,1],["tanh","sigmoid"],"binary_cross_entropy",seed=3)
X=rng.standard_normal((2,4)); Y=rng.integers(0,2,(1,4)).astype(float)
check_network(net,X,Y)
cProfile.run("check_network(net,X,Y)","/tmp/p2")
pstats.Stats("/tmp/p2").sort_stats("tottime").print_stats(12)

import time, numpy as np
from symact.network import Network
from symact.network_check import check_network
rng=np.random.default_rng(1)
for acts, loss, ny in [(["tanh","sigmoid"],"binary_cross_entropy",1),(["relu","identity"],"mse_half",2),(["gelu","softmax"],"cross_entropy",3)]:
    net=Network([2,3,ny],acts,loss,seed=3)
    X=rng.standard_normal((2,4))
    if acts[-1]=="softmax":
        Y=np.eye(ny)[:, rng.integers(0,ny,4)]
    elif loss=="binary_cross_entropy": Y=rng.integers(0,2,(ny,4)).astype(float)
    else: Y=rng.standard_normal((ny,4))
    t=time.time(); r=check_network(net,X,Y); print(acts, r.entries, r.verifiable, r.worst_rounding_units, r.worst_sharpness, r.worst_formula_error, r.failures[:3], round(time.time()-t,2))
    g=net.gradients(X,Y); g={k:v*(1+1e-6) for k,v in g.items()}
    r=check_network(net,X,Y,gradients=g); print('  perturbed fails:', len(r.failures), 'of', r.entries)

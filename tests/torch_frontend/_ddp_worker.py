"""One rank of the two-process DistributedDataParallel run in tests/torch_frontend/test_torch_dropin.py (test_ddp_two_ranks).

    MASTER_ADDR=127.0.0.1 MASTER_PORT=<port> python tests/torch_frontend/_ddp_worker.py RANK WORLD_SIZE OUT_DIR [zero]

Trains the same small MLP twice under DDP (gloo backend, float64), once with optforge.torch.AdamW and once
with torch.optim.AdamW, each rank on its own shard of a synthetic regression set, and saves the final
parameters (and the parameters DDP started from) to OUT_DIR/rank<RANK>.pt.  With ``zero``, each optimizer
is wrapped in torch.distributed.optim.ZeroRedundancyOptimizer (each rank steps its share of the
parameters and broadcasts them).
"""

import copy
import datetime
import os
import sys

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

import optforge.torch

STEPS = 40
BATCH = 16
LR = 1e-2
WEIGHT_DECAY = 1e-2


def main() -> None:
    rank, world, out_dir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    zero = sys.argv[4:] == ["zero"]
    torch.set_default_dtype(torch.float64)
    dist.init_process_group("gloo", rank=rank, world_size=world, timeout=datetime.timedelta(seconds=60))

    g = torch.Generator().manual_seed(0)
    x = torch.randn(128 * world, 8, generator=g)
    y = torch.sin(x @ torch.randn(8, 1, generator=g))
    xs, ys = x[rank::world], y[rank::world]  # this rank's shard

    torch.manual_seed(100 + rank)  # a different init on each rank: DDP broadcasts rank 0's
    base = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.Tanh(), torch.nn.Linear(32, 1))

    results = {}
    makers = (("optforge", lambda ps: optforge.torch.AdamW(ps, lr=LR, weight_decay=WEIGHT_DECAY)),
              ("torch", lambda ps: torch.optim.AdamW(ps, lr=LR, weight_decay=WEIGHT_DECAY, foreach=False)))
    if zero:
        from torch.distributed.optim import ZeroRedundancyOptimizer

        makers = (("optforge", lambda ps: ZeroRedundancyOptimizer(ps, optimizer_class=optforge.torch.AdamW, lr=LR,
                                                                  weight_decay=WEIGHT_DECAY)),
                  ("torch", lambda ps: ZeroRedundancyOptimizer(ps, optimizer_class=torch.optim.AdamW, lr=LR,
                                                               weight_decay=WEIGHT_DECAY, foreach=False)))
    for name, make in makers:
        model = copy.deepcopy(base)
        ddp = DistributedDataParallel(model)
        results["init"] = [p.detach().clone() for p in model.parameters()]
        opt = make(ddp.parameters())
        for step in range(STEPS):
            i = (step * BATCH) % xs.shape[0]
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(ddp(xs[i:i + BATCH]), ys[i:i + BATCH])
            loss.backward()  # DDP all-reduces (averages) the gradients here
            opt.step()
        results[name] = [p.detach().clone() for p in model.parameters()]
        if zero:
            results[f"{name}_local"] = type(opt.optim).__module__ + "." + type(opt.optim).__name__

    torch.save(results, os.path.join(out_dir, f"rank{rank}.pt"))
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()

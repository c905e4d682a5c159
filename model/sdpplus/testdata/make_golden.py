"""Regenerates the tiny PyTorch goldens of package sdpplus (run from this
folder with Debian's python3-torch 1.13: `/usr/bin/python3 make_golden.py`).

tiny_official.pth  torch.save({'linear_layers': LinearLayer.state_dict()}):
                   the layout of CLIP-AD's train_on_mvtec.pth / train_on_visa.pth
                   (models/model.py LinearLayer: nn.ModuleList of nn.Linear,
                   keys fc.{0..3}.weight/bias), at W=8 -> E=4.
tiny_golden.json   the same parameters as float32 bit patterns, plus:
                   * inference: per-stage SDP+ maps of test_ft.py (Linear,
                     L2, x100 @ [t_n, t_a], F.interpolate bilinear
                     align_corners=True, softmax over the 2 channels) on a
                     3x3 grid upsampled to 7x7;
                   * training: the loss of train.py (FocalLoss + BinaryDiceLoss
                     per stage, util/losses.py semantics) on a batch of 2 in
                     float64, its autograd gradients, and the parameters
                     after one torch.optim.Adam(lr=1e-4) step in float32.
"""
import json
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

W, E, G, S, B = 8, 4, 3, 7, 2


class LinearLayer(nn.Module):  # CLIP-AD models/model.py
    def __init__(self, dim_in, dim_out, k):
        super().__init__()
        self.fc = nn.ModuleList([nn.Linear(dim_in, dim_out) for _ in range(k)])


class FocalLoss(nn.Module):  # APRIL-GAN / CLIP-AD util/losses.py (defaults)
    def __init__(self, gamma=2, smooth=1e-5):
        super().__init__()
        self.gamma, self.smooth = gamma, smooth

    def forward(self, logit, target):
        num_class = logit.shape[1]
        logit = logit.view(logit.size(0), logit.size(1), -1).permute(0, 2, 1).contiguous().view(-1, num_class)
        target = torch.squeeze(target, 1).view(-1, 1)
        idx = target.cpu().long()
        one_hot_key = torch.zeros(target.size(0), num_class, dtype=logit.dtype).scatter_(1, idx, 1)
        one_hot_key = torch.clamp(one_hot_key, self.smooth / (num_class - 1), 1.0 - self.smooth)
        pt = (one_hot_key * logit).sum(1) + self.smooth
        logpt = pt.log()
        loss = -1 * torch.pow(torch.sub(1.0, pt), self.gamma) * logpt
        return loss.mean()


class BinaryDiceLoss(nn.Module):
    def forward(self, input, targets):
        N = targets.size()[0]
        smooth = 1
        input_flat = input.view(N, -1)
        targets_flat = targets.view(N, -1)
        intersection = input_flat * targets_flat
        dice = (2 * intersection.sum(1) + smooth) / (input_flat.sum(1) + targets_flat.sum(1) + smooth)
        return 1 - dice.sum() / N


def bits(t):
    return [struct.unpack('<I', struct.pack('<f', v))[0] for v in t.detach().float().flatten().tolist()]


def maps(layers, tokens, text, dtype):
    """test_ft.py: per stage softmax(interp(100 * L2(fc(tokens)) @ T))[:, 1]"""
    out = []
    for k in range(4):
        t = layers.fc[k](tokens[k])  # (B, P, E)
        t = t / t.norm(dim=-1, keepdim=True)
        am = 100.0 * t @ text  # (B, P, 2)
        b, l, c = am.shape
        am = F.interpolate(am.permute(0, 2, 1).view(b, 2, G, G), size=S, mode='bilinear', align_corners=True)
        out.append(torch.softmax(am, dim=1))  # (B, 2, S, S)
    return out


torch.manual_seed(42)
layers = LinearLayer(W, E, 4)
torch.save({'linear_layers': layers.state_dict()}, 'tiny_official.pth')

g = torch.Generator().manual_seed(7)
tokens = torch.randn(4, B, G * G, W, generator=g)  # patch tokens (class token already dropped)
tn = F.normalize(torch.randn(E, generator=g), dim=0)
ta = F.normalize(tn + 0.3 * torch.randn(E, generator=g), dim=0)
text = torch.stack([tn, ta], dim=1)  # E x 2, column 0 normal
masks = (torch.rand(B, S, S, generator=g) > 0.7).float()
masks[1] = 0  # one normal image

golden = {'W': W, 'E': E, 'grid': G, 'size': S, 'batch': B, 'torch': torch.__version__,
          'params': {k: bits(v) for k, v in layers.state_dict().items()},
          'tokens': [[tokens[k, b].flatten().tolist() for k in range(4)] for b in range(B)],
          'tn': tn.tolist(), 'ta': ta.tolist(),
          'masks': [masks[b].flatten().int().tolist() for b in range(B)]}

with torch.no_grad():
    m = maps(layers, tokens, text, torch.float32)
golden['maps'] = [[m[k][b, 1].flatten().tolist() for k in range(4)] for b in range(B)]

# training loss and gradients in float64
l64 = LinearLayer(W, E, 4).double()
l64.load_state_dict({k: v.double() for k, v in layers.state_dict().items()})
m64 = maps(l64, tokens.double(), text.double(), torch.float64)
focal, dice = FocalLoss(), BinaryDiceLoss()
loss = 0
for k in range(4):
    loss = loss + focal(m64[k], masks.double().unsqueeze(1)) + dice(m64[k][:, 1, :, :], masks.double())
loss.backward()
golden['loss'] = loss.item()
golden['grads'] = {n: p.grad.flatten().tolist() for n, p in l64.named_parameters()}

# one Adam step (float32 parameters, float32 gradients), as train.py
opt = torch.optim.Adam(layers.parameters(), lr=1e-4, betas=(0.9, 0.999))
for n, p in layers.named_parameters():
    p.grad = dict(l64.named_parameters())[n].grad.float()
opt.step()
golden['adam1'] = {k: bits(v) for k, v in layers.state_dict().items()}

with open('tiny_golden.json', 'w') as f:
    json.dump(golden, f)
print('loss', golden['loss'])

#!/usr/bin/env python3
"""Load two tiny tc (cls_bpf, direct-action) programs and pin them:
  DIR/push : bpf_skb_vlan_push(skb, ETH_P_8021Q, 42); return TC_ACT_OK
  DIR/pop  : bpf_skb_vlan_pop(skb);                   return TC_ACT_OK
usage: bpf-vlan.py DIR        (DIR must be on a mounted bpffs; needs root)

Used by fixtures.sh for vlan.pcap because the recording kernel has no 802.1Q
(CONFIG_VLAN_8021Q) support, so "ip link add ... type vlan" is unavailable.
Attached on the veths' clsact egress (push) / ingress (pop), they play the
role of a VLAN trunk: every frame on the wire between the namespaces carries
an 802.1Q tag with VID 42, while the TCP traffic itself comes from the normal
kernel stack.  No compiler needed: raw eBPF instructions.
"""
import ctypes, os, struct, sys

libc = ctypes.CDLL(None, use_errno=True)
SYS_bpf = 321  # x86_64
BPF_PROG_LOAD, BPF_OBJ_PIN = 5, 6
BPF_PROG_TYPE_SCHED_CLS = 3


def insn(code, dst=0, src=0, off=0, imm=0):
    return struct.pack('<BBhi', code, (src << 4) | dst, off, imm)


MOV64_IMM, CALL, EXIT = 0xb7, 0x85, 0x95
ETH_P_8021Q_BE = 0x0081  # htons(0x8100) on little-endian
push = [insn(MOV64_IMM, 2, imm=ETH_P_8021Q_BE), insn(MOV64_IMM, 3, imm=42),
        insn(CALL, imm=18),  # BPF_FUNC_skb_vlan_push
        insn(MOV64_IMM, 0, imm=0), insn(EXIT)]
pop = [insn(CALL, imm=19),  # BPF_FUNC_skb_vlan_pop
       insn(MOV64_IMM, 0, imm=0), insn(EXIT)]


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, 128)
    r = libc.syscall(SYS_bpf, cmd, buf, 128)
    if r < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return r


def load(insns):
    code = b''.join(insns)
    code_buf = ctypes.create_string_buffer(code, len(code))
    lic = ctypes.create_string_buffer(b'GPL')
    log = ctypes.create_string_buffer(65536)
    attr = struct.pack('<IIQQIIQ', BPF_PROG_TYPE_SCHED_CLS, len(insns), ctypes.addressof(code_buf),
                       ctypes.addressof(lic), 1, len(log), ctypes.addressof(log))
    try:
        return bpf(BPF_PROG_LOAD, attr)
    except OSError:
        print(log.value.decode(errors='replace'), file=sys.stderr)
        raise


def pin(fd, path):
    p = ctypes.create_string_buffer(path.encode())
    bpf(BPF_OBJ_PIN, struct.pack('<QI', ctypes.addressof(p), fd))


d = sys.argv[1]
pin(load(push), os.path.join(d, 'push'))
pin(load(pop), os.path.join(d, 'pop'))
print('pinned', os.path.join(d, 'push'), os.path.join(d, 'pop'))

r"""What machine a benchmark ran on: the CPU's name, family, model and microarchitecture."""
from __future__ import annotations

import platform

#: (vendor, family, first model, last model) -> microarchitecture: what the targets are stated for
#: (an Intel Sapphire Rapids, an AMD Zen 4) and its neighbours
MICROARCHITECTURES = [
    ("AuthenticAMD", 23, 0x00, 0x2F, "Zen / Zen+"), ("AuthenticAMD", 23, 0x30, 0xFF, "Zen 2"),
    ("AuthenticAMD", 25, 0x00, 0x0F, "Zen 3"), ("AuthenticAMD", 25, 0x10, 0x1F, "Zen 4"),
    ("AuthenticAMD", 25, 0x20, 0x5F, "Zen 3"), ("AuthenticAMD", 25, 0x60, 0xAF, "Zen 4"),
    ("AuthenticAMD", 26, 0x00, 0xFF, "Zen 5"),
    ("GenuineIntel", 6, 0x55, 0x55, "Skylake-SP / Cascade Lake"), ("GenuineIntel", 6, 0x6A, 0x6C, "Ice Lake-SP"),
    ("GenuineIntel", 6, 0x8F, 0x8F, "Sapphire Rapids"), ("GenuineIntel", 6, 0xCF, 0xCF, "Emerald Rapids"),
    ("GenuineIntel", 6, 0xAD, 0xAE, "Granite Rapids"),
]


def cpu_name() -> str:
    r"""The CPU's model name with its family, model and, where known, microarchitecture
    ("AMD EPYC (family 25, model 1: Zen 3)"): a virtual machine often shows a bare "AMD EPYC"."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
                if not line.strip():
                    break                                   # the first processor is enough
    except OSError:
        return platform.processor()
    name = fields.get("model name", platform.processor())
    try:
        family, model = int(fields["cpu family"]), int(fields["model"])
    except (KeyError, ValueError):
        return name
    vendor = fields.get("vendor_id", "")
    arch = next((a for v, f, low, high, a in MICROARCHITECTURES if v == vendor and f == family and low <= model <= high),
                None)
    return f"{name} (family {family}, model {model}{': ' + arch if arch else ''})"

#!/usr/bin/python3
"""Turn a NeuroSim V1.4 log (written by run.sh) into markdown tables.

usage: summarize.py logs/neurosim_VGG8_rram.log [more logs...]
Units as printed by NeuroSim are converted: energies to uJ / nJ, latency to
us, area to mm^2.
"""
import re
import sys

NUM = r"([-+0-9.eE]+)"


def grab(text, pattern, default=None):
    m = re.search(pattern, text)
    return float(m.group(1)) if m else default


def per_layer(text):
    rows = []
    blocks = re.split(r"-+ Estimation of Layer (\d+) -+", text)
    for i in range(1, len(blocks), 2):
        n, b = int(blocks[i]), blocks[i + 1]
        g = lambda p: grab(b, p, float("nan"))
        rows.append(dict(
            layer=n,
            lat_ns=g(r"readLatency is: " + NUM + "ns"),
            dyn_pJ=g(r"readDynamicEnergy is: " + NUM + "pJ"),
            leak_uW=g(r"leakagePower is: " + NUM + "uW"),
            leak_pJ=g(r"leakageEnergy is: " + NUM + "pJ"),
            buf_ns=g(r"buffer latency is: " + NUM + "ns"),
            buf_pJ=g(r"buffer readDynamicEnergy is: " + NUM + "pJ"),
            ic_ns=g(r"ic latency is: " + NUM + "ns"),
            ic_pJ=g(r"ic readDynamicEnergy is: " + NUM + "pJ"),
            adc_ns=g(r"ADC \(or S/As and precharger for SRAM\) readLatency is : " + NUM),
            acc_ns=g(r"Accumulation Circuits .*? readLatency is : " + NUM),
            oth_ns=g(r"Other Peripheries .*? readLatency is : " + NUM),
            adc_pJ=g(r"ADC \(or S/As and precharger for SRAM\) readDynamicEnergy is : " + NUM),
            acc_pJ=g(r"Accumulation Circuits .*? readDynamicEnergy is : " + NUM),
            oth_pJ=g(r"Other Peripheries .*? readDynamicEnergy is : " + NUM),
        ))
    return rows


def summarize(path):
    text = open(path).read()
    summ = text.split("Summary -----")[-1]
    g = lambda p: grab(summ, p)
    area = g(r"ChipArea : " + NUM)
    parts = [("CIM arrays", g(r"Chip total CIM array : " + NUM)),
             ("interconnect (global bus + tile/PE H-trees)",
              g(r"Total IC Area on chip .*?: " + NUM)),
             ("ADC (MLSA + encoder)", g(r"Total ADC .*? Area on chip : " + NUM)),
             ("accumulation (shift-add, adder trees, global accum.)",
              g(r"Total Accumulation Circuits .*? on chip : " + NUM)),
             ("other (decoders/switch matrices/mux/level shifters, buffers, "
              "pool, ReLU)", g(r"Other Peripheries .*?\) : " + NUM))]
    out = ["### %s" % path, ""]
    out.append("| area | mm^2 | share of ChipArea |")
    out.append("|---|---:|---:|")
    out.append("| ChipArea | %.3f | 100 %% |" % (area / 1e6))
    s = 0
    for name, v in parts:
        s += v
        out.append("| %s | %.3f | %.1f %% |" % (name, v / 1e6, 100 * v / area))
    out.append("| (sum of listed parts) | %.3f | %.1f %% |" % (s / 1e6, 100 * s / area))
    out.append("| (not in any part: layout white space) | %.3f | %.1f %% |"
               % ((area - s) / 1e6, 100 * (area - s) / area))
    out.append("")
    clk = g(r"Chip clock period is: " + NUM + "ns")
    lat = g(r"(?:readLatency \(per image\)|pipeline-system-clock-cycle \(per image\)) is: " + NUM + "ns")
    dyn = g(r"readDynamicEnergy(?: \(per image\))? is: " + NUM + "pJ")
    leak_e = g(r"leakage Energy(?: \(per image\))? is: " + NUM + "pJ")
    leak_p = g(r"leakage Power(?: \(per image\))? is: " + NUM + "uW")
    buf = g(r"buffer readDynamicEnergy(?: \(per image\))? is: " + NUM + "pJ")
    ic = g(r"ic readDynamicEnergy(?: \(per image\))? is: " + NUM + "pJ")
    adc = g(r"ADC \(or S/As and precharger for SRAM\) readDynamicEnergy is : " + NUM)
    acc = g(r"Accumulation Circuits .*? readDynamicEnergy is : " + NUM)
    oth = g(r"Other Peripheries .*? readDynamicEnergy is : " + NUM)
    out.append("| metric | value |")
    out.append("|---|---:|")
    out.append("| clock period | %.5g ns (%.1f MHz) |" % (clk, 1e3 / clk))
    out.append("| latency per image | %.4g us |" % (lat / 1e3))
    out.append("| dynamic energy per image | %.4g uJ |" % (dyn / 1e6))
    out.append("| leakage energy per image | %.4g uJ |" % (leak_e / 1e6))
    out.append("| leakage power | %.4g mW |" % (leak_p / 1e3))
    out.append("| dynamic + leakage | %.4g uJ |" % ((dyn + leak_e) / 1e6))
    out.append("| ADC energy | %.4g uJ (%.1f %% of dyn) |" % (adc / 1e6, 100 * adc / dyn))
    out.append("| accumulation energy | %.4g uJ (%.1f %%) |" % (acc / 1e6, 100 * acc / dyn))
    out.append("| other-periphery energy (incl. buffer + IC) | %.4g uJ (%.1f %%) |" % (oth / 1e6, 100 * oth / dyn))
    out.append("| of which global+tile buffers | %.4g uJ (%.1f %%) |" % (buf / 1e6, 100 * buf / dyn))
    out.append("| of which interconnect | %.4g uJ (%.1f %%) |" % (ic / 1e6, 100 * ic / dyn))
    out.append("| rest of other (decoders, mux, switch matrix, array read, ReLU, pool) | %.4g uJ (%.1f %%) |"
               % ((oth - buf - ic) / 1e6, 100 * (oth - buf - ic) / dyn))
    for key, lab in [("TOPS/W", r"Energy Efficiency TOPS/W \(\w+[- \w]*\): "),
                     ("TOPS", r"Throughput TOPS \(\w+[- \w]*\): "),
                     ("FPS", r"Throughput FPS \(\w+[- \w]*\): "),
                     ("TOPS/mm^2", r"Compute efficiency TOPS/mm\^2 \(\w+[- \w]*\): ")]:
        out.append("| %s | %.5g |" % (key, grab(text, lab + NUM)))
    out.append("")
    out.append("| layer | latency us | dyn uJ | ADC uJ | accum uJ | other uJ | buffer uJ | IC uJ | leak uW | leak nJ | ADC lat us | accum lat us | other lat us | buffer lat us | IC lat us |")
    out.append("|---|" + "---:|" * 14)
    for r in per_layer(text.split("Hardware Performance -----")[-1].split("Summary -----")[0]):
        out.append("| %d | %.4g | %.4g | %.4g | %.4g | %.4g | %.4g | %.4g | %.4g | %.4g | %.4g | %.4g | %.4g | %.4g | %.4g |" % (
            r["layer"], r["lat_ns"] / 1e3, r["dyn_pJ"] / 1e6, r["adc_pJ"] / 1e6,
            r["acc_pJ"] / 1e6, r["oth_pJ"] / 1e6, r["buf_pJ"] / 1e6,
            r["ic_pJ"] / 1e6, r["leak_uW"], r["leak_pJ"] / 1e3,
            r["adc_ns"] / 1e3, r["acc_ns"] / 1e3, r["oth_ns"] / 1e3,
            r["buf_ns"] / 1e3, r["ic_ns"] / 1e3))
    out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    for p in sys.argv[1:]:
        print(summarize(p))

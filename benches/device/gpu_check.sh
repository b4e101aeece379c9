#!/usr/bin/env bash
# The GPU check: cadet's burn-wgpu training against PyTorch on CUDA, on a lent accelerator
# machine, in one call well under 8 minutes, writing one JSON file to $OUT. See
# benches/device/README.md for building the binary here and calling the device tool.
#
#   benches/device/gpu_check.sh         on the device machine (no Rust there): the stripped,
#                                       compressed binary in .cadet-bin/cadet.gz, Vulkan loader
#                                       packages in .gl/
#   benches/device/gpu_check.sh --cpu   a dry run on this machine's CPU with tiny steps (CI runs
#                                       it through tests/it/gpu_check.rs)
#
# Environment: CADET_BIN (a cadet binary to use instead of .cadet-bin/cadet.gz), OUT (default
# target/gpu-check), PYTHON (default python3, with torch for the reference), CHECK_SECONDS (the
# whole script's budget, default 450).
set -uo pipefail
cd "$(dirname "$0")/../.."
start=$(date +%s)
budget=${CHECK_SECONDS:-450}
mode=gpu
[ "${1:-}" = "--cpu" ] && mode=cpu
out=${OUT:-target/gpu-check}
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python=${PYTHON:-python3}

bin=${CADET_BIN:-}
if [ -z "$bin" ] && [ -f .cadet-bin/cadet.gz ]; then
    gzip -dc .cadet-bin/cadet.gz >"$work/cadet" && chmod +x "$work/cadet" && bin="$work/cadet"
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    echo "gpu_check.sh: no cadet binary (.cadet-bin/cadet.gz or CADET_BIN); see benches/device/README.md" >&2
    exit 2
fi

if [ "$mode" = gpu ]; then
    # the device machine has the NVIDIA driver but no Vulkan loader (the device README)
    if ! ldconfig -p | grep -q libvulkan; then
        for f in .gl/*.deb; do dpkg -x "$f" /; done
        ldconfig
    fi
    if [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
        export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    fi
    device=gpu torch_device=cuda steps=20 warmup=3 epochs=2 views=20
    models="cifarnet:50 alexnet-l:128 googlenet-l:64 alexnet-h:128"
else
    device=cpu torch_device=cpu steps=1 warmup=1 epochs=2 views=2
    models="cifarnet:2 alexnet-l:2 googlenet-l:2 alexnet-h:2"
fi

# A JSON string of $1.
json_string() {
    local s=${1//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\n'/\\n}
    s=${s//$'\t'/ }
    printf '"%s"' "$s"
}

# Seconds left of the budget, at most $1.
left() {
    local rest=$((budget - ($(date +%s) - start)))
    ((rest < 1)) && rest=1
    ((rest > $1)) && rest=$1
    echo "$rest"
}

# Runs a command whose last line of output is JSON; prints that line, or an error object.
measure() {
    local cap=$1
    shift
    local line
    if line=$(timeout "$(left "$cap")" "$@" 2>"$work/err" | tail -n 1) && [ "${line:0:1}" = "{" ]; then
        echo "$line"
    else
        printf '{"error": %s}' "$(json_string "$(tail -n 5 "$work/err")")"
    fi
}

cadet_rows=() torch_rows=()
torch_ok=true
"$python" -c "import torch" 2>/dev/null || torch_ok=false
for entry in $models; do
    model=${entry%%:*} batch=${entry##*:}
    cadet_rows+=("$(measure 90 "$bin" bench train --model "$model" --batch "$batch" --steps "$steps" \
        --warmup "$warmup" --device "$device" --json)")
    if $torch_ok; then
        torch_rows+=("$(measure 40 "$python" benches/reference/train_step_torch.py --model "$model" \
            --batch "$batch" --steps "$steps" --warmup "$warmup" --device "$torch_device")")
    else
        torch_rows+=('{"error": "python has no torch"}')
    fi
done

# two epochs of the bundled synthetic study, as a user would train it
runs="$work/runs"
if timeout "$(left 120)" "$bin" train --study sample_data/synthetic --model cifarnet --epochs "$epochs" \
    --views-per-candidate "$views" --val-views 1 --device "$device" --runs-dir "$runs" --name check \
    >"$work/train.out" 2>&1 && [ -f "$runs/check/summary.json" ]; then
    study=$(tr -d '\n' <"$runs/check/summary.json")
    epochs_json=$(grep -h '"kind":"epoch"' "$runs/check/metrics.jsonl" | paste -sd, -)
    study="{\"summary\": $study, \"epochs\": [${epochs_json}], \"log\": $(json_string "$(cat "$runs/check/train.log")")}"
else
    study="{\"error\": $(json_string "$(tail -n 5 "$work/train.out")")}"
fi

join() {
    local IFS=,
    echo "$*"
}
gpu_name=null
if command -v nvidia-smi >/dev/null; then
    gpu_name=$(json_string "$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | head -n 1)")
fi
cat >"$out/gpu_check.json" <<JSON
{"mode": "$mode", "gpu": $gpu_name, "seconds": $(($(date +%s) - start)),
 "cadet": [$(join "${cadet_rows[@]}")],
 "pytorch": [$(join "${torch_rows[@]}")],
 "sample_study": $study}
JSON
echo "gpu_check.sh: wrote $out/gpu_check.json in $(($(date +%s) - start)) s"

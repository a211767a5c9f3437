#!/usr/bin/env bash
# The paper experiment's second part: sphere nets trained from scratch on LFW View 1's training
# people (peopleDevTrain.txt), one per loss — softmax, A-Softmax m = 1…4 — each tested on
# pairsDevTest.txt (people never seen in training) with the angle statistics of the test people.
# Usage: Tools/paper_nets.sh LFW_DIR OUT_DIR [quick]
#   LFW_DIR holds images/ and the protocol files; results go to OUT_DIR/nets/.
# The net: sphere4 (four plain 3×3 stages, no residual units) with widths 16,32,64,128 and a
# 128-D embedding, on the paper's 112×96 crops — sphere20a does not train in hours on two cores.
set -euo pipefail
lfw="$1"; out="$2/nets"; quick="${3:-}"
sg="${SG:-.build/release/sphere-gallery}"
epochs=16; batch=64
[ -n "$quick" ] && epochs=1
people="$out/people"
rm -rf "$people" && mkdir -p "$people"
lfw_abs="$(cd "$lfw" && pwd)"
tail -n +2 "$lfw/peopleDevTrain.txt" | cut -f1 | while read -r person; do
  [ -d "$lfw_abs/images/$person" ] && ln -s "$lfw_abs/images/$person" "$people/$person"
done
# λ falls from 1500 to its floor of 5 half-way through training (the reference's γ = 0.1 assumes
# CASIA's half a million images).
images=$(awk 'NR > 1 { n += $2 } END { print n }' "$lfw/peopleDevTrain.txt")
iterations=$(( (images + batch - 1) / batch * epochs ))
gamma=$(python3 -c "print((1500 / 5 - 1) / max(1, $iterations / 2))")
for head in softmax m1 m2 m3 m4; do
  if [ "$head" = softmax ]; then loss=(--head softmax); else loss=(--head asoftmax --m "${head#m}"); fi
  # A run whose loss diverges is started again at a lower learning rate (the log keeps the rate used).
  trained=""
  for lr in 0.05 0.02 0.01; do
    echo "nets: training $head ($epochs epochs, lr $lr)" >&2
    if "$sg" train --data "$people" --align --aligned-cache "$out/aligned" --net sphere4 --widths 16,32,64,128 \
        --features 128 --batch "$batch" --lr "$lr" --epochs "$epochs" --lambda-gamma "$gamma" --seed 1 \
        --checkpoint-every 0 "${loss[@]}" --out "$out/$head.safetensors" --json > "$out/$head.train.jsonl"; then
      trained=1; break
    fi
  done
  [ -n "$trained" ] || { echo "nets: $head diverged at every learning rate" >&2; exit 1; }
  echo "nets: testing $head on View 1" >&2
  "$sg" eval heads --lfw "$lfw/images" --model "sphere4:$out/$head.safetensors" --heads "" --protocols "" \
    --cache "$out/features-$head" --out "$out/$head" --json > /dev/null
done

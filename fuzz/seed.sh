#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds from fixtures/ (the corpus directory is not
# committed: it grows while fuzzing).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus
for t in action item_pattern label_selector search_query connection_ref url_template documents catalog secrets tables; do mkdir -p "corpus/$t"; done
i=0
seed() { printf '%s' "$2" > "corpus/$1/seed-$i"; i=$((i+1)); }
for a in 'read' 'playbook:*,!playbook:cancel' '*' 'invoke:kube:*' 'Read, write'; do seed action "$a"; done
for p in 'prod-*,!prod-legacy' '*' '*x*' 'a,b'; do seed item_pattern "$p"; done
for l in 'env in (prod,staging),!legacy' 'tier=web,app!=x' 'a>5' 'example.com/owner=*'; do seed label_selector "$l"; done
for q in 'type=Kubernetes::Pod tags.env=prod' 'nginx | -redis' '"-name"=zzz' 'labels."app.kubernetes.io/name"=web' '(a b) | c'; do seed search_query "$q"; done
for r in 'connection://default/db' 'connection:// ns / name ' 'connection://postgres/default/db' '3fa85f64-5717-4562-b3fc-2c963f66afa6'; do seed connection_ref "$r"; done
for u in 'postgres://$(username):$(password)@$(properties.host)/db' '{{.username}}@{{.domain}}' '$(password)'; do seed url_template "$u"; done
for f in ../fixtures/policy/*.yaml ../fixtures/invalid/*.yaml ../fixtures/kubectl/*.yaml ../fixtures/lint/*.yaml; do cp "$f" "corpus/documents/$(basename "$f")"; done
cp ../fixtures/catalog.yaml corpus/catalog/
printf '%s' '{"people": [{"email": "a@x"}], "configs": [{"id": "c", "agent": "nope"}]}' > corpus/catalog/seed.json
for f in ../fixtures/secrets/*.yaml; do cp "$f" "corpus/secrets/$(basename "$f")"; done
printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {K: s3cr3t-v4lu3}\n' > corpus/secrets/seed-value.yaml
cp ../fixtures/tables/*.rampart corpus/tables/
echo "seeded $(find corpus -type f | wc -l) files"

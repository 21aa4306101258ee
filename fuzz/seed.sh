#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds from fixtures/ (the corpus directory is not
# committed: it grows while fuzzing).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus
for t in action item_pattern label_selector search_query connection_ref url_template documents catalog secrets tables sidecar_request; do mkdir -p "corpus/$t"; done
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
# Sidecar bodies: the first byte picks the endpoint (bit 2: /rbac/subject-access-reviews,
# else bit 0: /evaluations) and whether the rest is a body (bit 1 clear) or choices for
# the generator (bit 1 set).
body() { { printf "\\x$(printf %02x "$2")"; printf '%s' "$3"; } > "corpus/sidecar_request/$1"; }
run='"subject": {"type": "user", "id": "john@doe.com"}, "action": {"name": "playbook:run"}, "resource": {"type": "playbook", "id": "mc/echo-config"}'
body evaluation 0 "{$run, \"context\": {\"resources\": [{\"type\": \"config\", \"id\": \"c-mc-pod\"}], \"explain\": true}}"
body typo 0 "{$run, \"context\": {\"resource\": [{\"type\": \"config\", \"id\": \"c-mc-pod\"}]}}"
body described 0 '{"subject": {"type": "user", "id": "admin@example.com"}, "action": {"name": "read"}, "resource": {"type": "config", "id": "c-new", "properties": {"name": "new", "object_type": "Kubernetes::Pod", "namespace": "default", "tags": {"env": "prod"}}}}'
body global 0 '{"subject": {"type": "playbook", "id": "mc/echo-config"}, "action": {"name": "update"}, "resource": {"type": "global", "id": "catalog"}}'
body batch 1 "{$run, \"context\": {\"resources\": [{\"type\": \"config\", \"id\": \"c-mc-pod\"}]}, \"evaluations\": [{\"context\": {\"explain\": true}}, {\"action\": {\"name\": \"read\"}}, {\"subject\": {\"type\": \"notification\", \"id\": \"mc/check-alerts\"}}], \"options\": {\"evaluations_semantic\": \"execute_all\"}}"
body review 4 '{"resource": {"playbook": "mc/echo-config", "config": "c-mc-pod"}, "action": "playbook:run", "subjects": ["john@doe.com", "notification:mc/check-alerts"]}'
body review-all 4 '{"resource": {"global": "catalog"}, "action": "read", "subjects": ["*"]}'
body user-service 0 '{"subject": {"type": "user", "id": "playbook:mc/echo-config"}, "action": {"name": "read"}, "resource": {"type": "config", "id": "c-mc-pod"}}'
for n in 1 2 3 4; do head -c 48 /dev/urandom > "corpus/sidecar_request/review-$n.tmp"; { printf '\x06'; cat "corpus/sidecar_request/review-$n.tmp"; } > "corpus/sidecar_request/review-$n"; rm "corpus/sidecar_request/review-$n.tmp"; done
for n in 1 2 3 4 5 6 7 8; do head -c 96 /dev/urandom > "corpus/sidecar_request/generated-$n.tmp"; { printf '\x03'; cat "corpus/sidecar_request/generated-$n.tmp"; } > "corpus/sidecar_request/generated-$n"; rm "corpus/sidecar_request/generated-$n.tmp"; done
echo "seeded $(find corpus -type f | wc -l) files"

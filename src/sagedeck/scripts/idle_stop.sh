#!/bin/bash
# sagedeck idle-stop: stop this notebook instance once Jupyter has been idle for IDLE_MINUTES.
#
# The OnStart script of a lifecycle configuration (`sagedeck lifecycle create NAME --idle-stop
# MINUTES` writes the minutes below). It runs as root on every start, installs a cron job that
# checks every 5 minutes, and returns at once: a start fails if OnStart runs over 5 minutes.
#
# The instance's execution role needs, on this instance's ARN:
#   sagemaker:DescribeNotebookInstance   (stop only an InService instance)
#   sagemaker:StopNotebookInstance
# and the instance must reach the SageMaker API (direct internet access, or a VPC endpoint
# for sagemaker.api in VPC-only mode).
#
# Idle means: no kernel busy, and no kernel, notebook session or terminal active for
# IDLE_MINUTES, as the local Jupyter server reports them (/api/sessions, /api/kernels,
# /api/terminals; no token is needed from the instance itself). With nothing open, the
# time counts from this start. The checks go to /var/log/sagedeck-idle-stop.log.
set -euo pipefail

IDLE_MINUTES=60

# Everything lands under ROOT_DIR: empty on the instance (tests point it elsewhere).
ROOT_DIR="${ROOT_DIR:-}"
CHECK="$ROOT_DIR/usr/local/bin/sagedeck-idle-check"
STATE_DIR="$ROOT_DIR/var/lib/sagedeck-idle-stop"
CRON_FILE="$ROOT_DIR/etc/cron.d/sagedeck-idle-stop"
LOG_FILE="$ROOT_DIR/var/log/sagedeck-idle-stop.log"

mkdir -p "$(dirname "$CHECK")" "$STATE_DIR" "$(dirname "$CRON_FILE")" "$(dirname "$LOG_FILE")"
date +%s > "$STATE_DIR/started"

cat > "$CHECK" <<'CHECK_SCRIPT'
#!/bin/bash
# Installed by sagedeck's idle-stop lifecycle script: run by cron every 5 minutes.
set -uo pipefail

IDLE_MINUTES="${IDLE_MINUTES:?IDLE_MINUTES is not set}"
JUPYTER_URL="${JUPYTER_URL:-https://localhost:8443}"
METADATA_FILE="${METADATA_FILE:-/opt/ml/metadata/resource-metadata.json}"
STATE_DIR="${STATE_DIR:-/var/lib/sagedeck-idle-stop}"

log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $*"; }

# The Jupyter server on the instance speaks HTTPS with a self-signed certificate. Untracked:
# Jupyter would count each check as use of the server (what sagedeck's IDLE column reads).
fetch() {
    curl --silent --show-error --fail --insecure --max-time 20 \
        "$JUPYTER_URL/api/$1?no_track_activity=1"
}

if ! SESSIONS=$(fetch sessions) || ! KERNELS=$(fetch kernels); then
    log "Jupyter did not answer: not stopping"
    exit 0
fi
# A server started without terminals has no /api/terminals: no terminal is in use.
TERMINALS=$(fetch terminals 2>/dev/null) || TERMINALS="[]"
STARTED=$(cat "$STATE_DIR/started" 2>/dev/null || date +%s)

VERDICT=$(SESSIONS="$SESSIONS" KERNELS="$KERNELS" TERMINALS="$TERMINALS" \
    STARTED="$STARTED" NOW="${NOW:-$(date +%s)}" python3 - <<'VERDICT_PY'
import json
import os
from datetime import datetime, timezone


def seconds(stamp):
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


sessions = json.loads(os.environ["SESSIONS"] or "[]")
kernels = json.loads(os.environ["KERNELS"] or "[]")
terminals = json.loads(os.environ["TERMINALS"] or "[]")
kernels += [s["kernel"] for s in sessions if isinstance(s.get("kernel"), dict)]
if any(k.get("execution_state") == "busy" for k in kernels):
    print("busy a kernel is running")
else:
    stamps = [float(os.environ["STARTED"])]
    stamps += [seconds(item.get("last_activity")) for item in kernels + terminals]
    last = max(stamp for stamp in stamps if stamp is not None)
    idle = int(float(os.environ["NOW"]) - last)
    print(f"idle {idle} {datetime.fromtimestamp(last, timezone.utc):%Y-%m-%dT%H:%M:%SZ}")
VERDICT_PY
) || { log "could not read Jupyter's answers: not stopping"; exit 0; }

read -r STATE IDLE_SECONDS LAST <<< "$VERDICT"
if [ "$STATE" != "idle" ]; then
    log "$VERDICT"
    exit 0
fi
if [ "$IDLE_SECONDS" -lt $((IDLE_MINUTES * 60)) ]; then
    log "idle $((IDLE_SECONDS / 60)) of $IDLE_MINUTES minutes (last activity $LAST)"
    exit 0
fi

ARN=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["ResourceArn"])' \
    "$METADATA_FILE") || { log "cannot read $METADATA_FILE"; exit 1; }
NAME="${ARN##*/}"
REGION=$(echo "$ARN" | cut -d: -f4)
STATUS=$(aws sagemaker describe-notebook-instance --region "$REGION" \
    --notebook-instance-name "$NAME" --query NotebookInstanceStatus --output text) || exit 1
if [ "$STATUS" != "InService" ]; then
    log "idle, but $NAME is $STATUS: not stopping"
    exit 0
fi
log "idle since $LAST (over $IDLE_MINUTES minutes): stopping $NAME"
aws sagemaker stop-notebook-instance --region "$REGION" --notebook-instance-name "$NAME"
CHECK_SCRIPT
chmod 755 "$CHECK"

# cron's PATH is short: the AWS CLI lives in /usr/local/bin or the Jupyter system env.
cat > "$CRON_FILE" <<CRON
PATH=/usr/local/bin:/usr/bin:/bin:/home/ec2-user/anaconda3/bin:/home/ec2-user/anaconda3/envs/JupyterSystemEnv/bin
*/5 * * * * root IDLE_MINUTES=$IDLE_MINUTES STATE_DIR=$STATE_DIR $CHECK >> $LOG_FILE 2>&1
CRON
chmod 644 "$CRON_FILE"
echo "sagedeck idle-stop: stops this instance after $IDLE_MINUTES idle minutes (checks every 5)"

# guest smoke: every module loads on this kernel with this build; the new defaults act
export PINWATCH_PIN_ROOT=/sys/fs/bpf/pwsmoke PINWATCH_LOCK=/run/pwsmoke.lock PINWATCH_RULES_DIR=/tmp/rd
mkdir -p /tmp/rd
uname -r
scripts/pinwatch up > /tmp/up.out 2>&1; echo "up rc=$?"; grep -i "fail\|error" /tmp/up.out | head
scripts/pinwatch status > /tmp/st.out 2>&1; echo "status rc=$?"
scripts/pinwatch config get loader_tgid
build/pinwatch-read --drain >/dev/null
cat /usr/lib/os-release >/dev/null; cat /usr/lib/../../etc/hostname >/dev/null; sh -c 'exit 0'
timeout 12 build/pinwatch-read --json --tamper-interval 1 > /tmp/ev.json 2>/tmp/ev.err
echo "quiet lib read events: $(jq -c 'select(.type=="open" and .path=="/usr/lib/os-release")' /tmp/ev.json | wc -l) (want 0)"
echo "odd path events: $(jq -c 'select(.type=="open" and .path=="/usr/lib/../../etc/hostname")' /tmp/ev.json | wc -l) (want 1)"
echo "sigchld events: $(jq -c 'select(.type=="signal" and .sig==17)' /tmp/ev.json | wc -l) (want 0)"
echo "consumer obj_get audits: $(jq -c 'select(.type=="audit" and .comm=="pinwatch-read" and .action=="obj_get")' /tmp/ev.json | wc -l) (want few)"
echo "tamper: $(jq -c 'select(.type=="tamper")' /tmp/ev.json | wc -l) (want 0)"
scripts/pinwatch stats | head -22
scripts/pinwatch down >/dev/null 2>&1; echo "down rc=$?"

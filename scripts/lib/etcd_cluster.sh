# A 3-member etcd cluster on 127.0.0.1 for scripts/bench (sourced, not run):
# free ports, data in a folder of the caller's, every member killed by
# etcd_cluster_stop (call it from a trap). The tests have their own C++
# fixture (tests/support/etcd_cluster.h).
#
#   etcd_cluster_start DIR   # sets ETCD_ENDPOINTS (comma-separated http:// URLs)
#   etcd_cluster_stop

ETCD_PIDS=()
ETCD_ENDPOINTS=""

_etcd_free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

etcd_cluster_start() {
  local dir=$1 i
  local -a client peer
  local cluster=""
  for i in 0 1 2; do
    client[$i]=$(_etcd_free_port)
    peer[$i]=$(_etcd_free_port)
    cluster+="${cluster:+,}m$i=http://127.0.0.1:${peer[$i]}"
  done
  ETCD_ENDPOINTS=""
  for i in 0 1 2; do
    /usr/bin/etcd --name "m$i" --data-dir "$dir/m$i" \
      --listen-client-urls "http://127.0.0.1:${client[$i]}" \
      --advertise-client-urls "http://127.0.0.1:${client[$i]}" \
      --listen-peer-urls "http://127.0.0.1:${peer[$i]}" \
      --initial-advertise-peer-urls "http://127.0.0.1:${peer[$i]}" \
      --initial-cluster "$cluster" --initial-cluster-state new \
      --initial-cluster-token identityd-bench --logger zap --log-level warn \
      >"$dir/m$i.log" 2>&1 &
    ETCD_PIDS+=($!)
    ETCD_ENDPOINTS+="${ETCD_ENDPOINTS:+,}http://127.0.0.1:${client[$i]}"
  done
  for i in $(seq 1 100); do
    if ETCDCTL_API=3 /usr/bin/etcdctl --endpoints="$ETCD_ENDPOINTS" endpoint health \
        >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.2
  done
  echo "etcd cluster not healthy after 20 s (logs in $dir)" >&2
  return 1
}

etcd_cluster_stop() {
  local pid
  for pid in "${ETCD_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for pid in "${ETCD_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  ETCD_PIDS=()
}

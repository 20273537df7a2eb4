#!/usr/bin/env bash
# make-certs.sh: test PKI for receptord meshes.
#
# usage: scripts/make-certs.sh [options] DIR NODE...
#
# Creates (if missing) an RSA-2048 CA  DIR/ca.crt + DIR/ca.key, and for each NODE
# DIR/NODE.crt + DIR/NODE.key signed by it, valid for 1 year, with
#   subjectAltName   = DNS:NODE,otherName:1.3.6.1.4.1.2312.19.1;UTF8:NODE[,<extra SANs>]
#   extendedKeyUsage = serverAuth,clientAuth
# The otherName is receptor's node-ID name (config-format.md §6).
#
# Options (each also settable through the environment variable in brackets):
#   --san LIST      [EXTRA_SAN]  extra SAN entries appended to every node cert, in
#                                openssl syntax, e.g. "IP:127.0.0.1,DNS:localhost".
#                                Useful because a TLS dialer checks the address it
#                                dialled against the server certificate.
#   --rogue NODE    [ROGUE]      also make DIR/NODE.rogue.crt/.key: a cert with NODE's
#                                identity signed by a second CA, DIR/rogue-ca.crt/.key
#                                (for wrong-CA tests). Repeatable; env: space-separated.
#   --expired NODE  [EXPIRED]    also make DIR/NODE.expired.crt/.key: NODE's identity,
#                                signed by the real CA, valid only in the past
#                                (2020-01-01 .. 2020-01-02). Repeatable.
#   --force         [FORCE=1]    regenerate everything, even if present.
#
# Idempotent: an existing CA is reused; an existing node cert is kept if it was
# issued by the current CA and is still valid for at least a day; otherwise it
# is remade. Re-running with the same arguments is a few cheap openssl calls.
set -euo pipefail

usage() { sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

extra_san=${EXTRA_SAN:-}
read -r -a rogue <<<"${ROGUE:-}"
read -r -a expired <<<"${EXPIRED:-}"
force=${FORCE:-0}
args=()
while (($#)); do
    case $1 in
        --san) extra_san=${2:?--san needs a value}; shift 2 ;;
        --san=*) extra_san=${1#*=}; shift ;;
        --rogue) rogue+=("${2:?--rogue needs a node}"); shift 2 ;;
        --rogue=*) rogue+=("${1#*=}"); shift ;;
        --expired) expired+=("${2:?--expired needs a node}"); shift 2 ;;
        --expired=*) expired+=("${1#*=}"); shift ;;
        --force) force=1; shift ;;
        -h|--help) usage 0 ;;
        --) shift; args+=("$@"); break ;;
        -*) echo "make-certs.sh: unknown option $1" >&2; usage ;;
        *) args+=("$1"); shift ;;
    esac
done
((${#args[@]} >= 1)) || usage
dir=${args[0]}
nodes=("${args[@]:1}")
((${#nodes[@]} + ${#rogue[@]} + ${#expired[@]} >= 1)) || { echo "make-certs.sh: no NODE given" >&2; usage; }

command -v openssl >/dev/null || { echo "make-certs.sh: openssl not found (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$dir"
umask 077
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

valid_node_id() {
    # Keep the name safe for filenames and openssl's config syntax.
    [[ $1 =~ ^[A-Za-z0-9._-]+$ ]] || { echo "make-certs.sh: bad node ID '$1'" >&2; exit 1; }
}

# make_ca NAME CN: DIR/NAME.crt + DIR/NAME.key, self-signed, valid 1 year.
make_ca() {
    local name=$1 cn=$2
    if [[ $force != 1 && -s $dir/$name.crt && -s $dir/$name.key ]] &&
        openssl x509 -in "$dir/$name.crt" -noout -checkend 86400 >/dev/null 2>&1; then
        return
    fi
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 365 \
        -keyout "$dir/$name.key" -out "$dir/$name.crt" -subj "/O=receptord test/CN=$cn" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# ext_file NODE: the v3 extensions of a node cert.
ext_file() {
    local node=$1 san="DNS:$1,otherName:1.3.6.1.4.1.2312.19.1;UTF8:$1"
    [[ -n $extra_san ]] && san="$san,$extra_san"
    cat >"$tmp/$node.ext" <<EXT
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = $san
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
EXT
    echo "$tmp/$node.ext"
}

# cert_ok FILE CA: FILE exists, verifies against CA (so a remade CA forces new
# leaves), and is valid for another day.
cert_ok() {
    [[ $force != 1 && -s $1 && -s ${1%.crt}.key ]] || return 1
    openssl x509 -in "$1" -noout -checkend 86400 >/dev/null 2>&1 || return 1
    openssl verify -CAfile "$2" "$1" >/dev/null 2>&1
}

# make_leaf NODE OUTBASE CANAME
make_leaf() {
    local node=$1 out=$2 ca=$3
    cert_ok "$out.crt" "$dir/$ca.crt" && return
    openssl req -new -newkey rsa:2048 -nodes -sha256 -keyout "$out.key" -out "$tmp/$node.csr" \
        -subj "/O=receptord test/CN=$node" 2>/dev/null
    openssl x509 -req -in "$tmp/$node.csr" -CA "$dir/$ca.crt" -CAkey "$dir/$ca.key" \
        -set_serial "0x$(openssl rand -hex 12)" -days 365 -sha256 \
        -extfile "$(ext_file "$node")" -out "$out.crt" 2>/dev/null
}

# make_expired NODE: issued by the real CA, valid 2020-01-01 .. 2020-01-02.
# `openssl x509 -req` cannot backdate in OpenSSL 3.0, so use a throwaway `openssl ca`.
make_expired() {
    local node=$1 out=$dir/$1.expired
    if [[ $force != 1 && -s $out.crt && -s $out.key ]] &&
        ! openssl x509 -in "$out.crt" -noout -checkend 0 >/dev/null 2>&1 &&
        openssl verify -no_check_time -CAfile "$dir/ca.crt" "$out.crt" >/dev/null 2>&1; then
        return
    fi
    local cadir=$tmp/ca-$node
    mkdir -p "$cadir/new"
    : >"$cadir/index.txt"
    cat >"$cadir/ca.cnf" <<CNF
[ca]
default_ca = tca
[tca]
database = $cadir/index.txt
new_certs_dir = $cadir/new
serial = $cadir/serial
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[anything]
O = optional
CN = supplied
CNF
    openssl rand -hex 12 >"$cadir/serial"
    openssl req -new -newkey rsa:2048 -nodes -sha256 -keyout "$out.key" -out "$cadir/req.csr" \
        -subj "/O=receptord test/CN=$node" 2>/dev/null
    openssl ca -batch -notext -config "$cadir/ca.cnf" -cert "$dir/ca.crt" -keyfile "$dir/ca.key" \
        -startdate 20200101000000Z -enddate 20200102000000Z \
        -extfile "$(ext_file "$node")" -in "$cadir/req.csr" -out "$out.crt" 2>/dev/null
}

for n in "${nodes[@]}" "${rogue[@]}" "${expired[@]}"; do valid_node_id "$n"; done

make_ca ca "receptord test CA"
for n in "${nodes[@]}"; do make_leaf "$n" "$dir/$n" ca; done
if ((${#rogue[@]})); then
    make_ca rogue-ca "receptord ROGUE CA"
    for n in "${rogue[@]}"; do make_leaf "$n" "$dir/$n.rogue" rogue-ca; done
fi
for n in "${expired[@]}"; do make_expired "$n"; done
chmod 644 "$dir"/*.crt
echo "make-certs.sh: certificates in $dir"

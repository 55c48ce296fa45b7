#!/bin/sh
# Makes the certificates the TLS tests use (issue 17) in DIR, with Debian's
# openssl, offline: EC P-256 keys, so the whole set takes well under a second.
#
#   ca.pem / ca.der / ca-key.pem         the test CA
#   server.pem / server-key.pem / .der   localhost, DNS:localhost + IP:127.0.0.1, by the CA
#   client.pem / client-key.pem / .der   a client certificate, by the CA
#   client-key-enc.pem                   the same key, encrypted with "testpass"
#   wrong-ca.pem / .der                  a second, unrelated CA
#   wrong-client.pem / -key.pem          a client certificate by the wrong CA
#   expired.pem / expired-key.pem        localhost again, by the CA, valid 2020-2021 only
#   (the .der files are the same certificates or keys in DER)
#
# Idempotent: a DIR that holds a complete set is left as it is. Tests that run
# at once share DIR safely: one makes the set under a lock, the others wait.
# Everything is readable by all (0644): a private mosquitto started as root
# reads its certificate and key as its own user.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 DIR (where the test certificates go)" >&2; exit 2; }
dir=$1
DAYS=3650
PASSWORD=testpass
# The expired certificate's window: long past, so any clock today rejects it.
EXPIRED_FROM=20200101000000Z
EXPIRED_TO=20210101000000Z
CA_FROM=20190101000000Z

command -v openssl >/dev/null 2>&1 || {
    echo "make-test-certs: openssl is missing: apt-get install --no-install-recommends openssl" >&2; exit 1; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
[ -f "$dir/.complete" ] && exit 0

exec 9>"$dir/.lock"
flock 9
[ -f "$dir/.complete" ] && exit 0

tmp=$(mktemp -d "$dir/.gen-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$tmp"

CA_TO=$(date -u -d "+$DAYS days" +%Y%m%d%H%M%SZ)
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# openssl x509 cannot back-date; openssl ca takes explicit dates (the CAs, the expired one)
mkdir ca-db && : > ca-db/index.txt && echo 01 > ca-db/serial
cat > ca.cnf <<EOF
[ca]
default_ca = test
[test]
dir = ca-db
database = ca-db/index.txt
serial = ca-db/serial
new_certs_dir = ca-db
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
EOF

# ca NAME CN: a self-signed CA, valid from CA_FROM (before the expired
# certificate's window, so a module clock set inside it trusts the chain)
ca() {
    key "$1-key.pem"
    openssl req -new -key "$1-key.pem" -subj "/O=sim7600-hil tests/CN=$2" -out "$1.csr"
    printf '%s\n' "basicConstraints=critical,CA:TRUE" "keyUsage=critical,keyCertSign,cRLSign" > "$1.ext"
    openssl ca -batch -config ca.cnf -selfsign -keyfile "$1-key.pem" -in "$1.csr" \
        -startdate $CA_FROM -enddate "$CA_TO" -extfile "$1.ext" -notext -out "$1.pem" 2>/dev/null
}

# leaf NAME CA CN EXT: a certificate for CN signed by CA, with extension lines EXT
leaf() {
    key "$1-key.pem"
    openssl req -new -key "$1-key.pem" -subj "/O=sim7600-hil tests/CN=$3" -out "$1.csr"
    printf '%s\n' "$4" > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2-key.pem" -CAcreateserial \
        -days $DAYS -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}

SERVER_EXT="basicConstraints=CA:FALSE
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1"
CLIENT_EXT="basicConstraints=CA:FALSE
extendedKeyUsage=clientAuth"

ca ca "sim7600-hil test CA"
ca wrong-ca "sim7600-hil unrelated CA"
leaf server ca localhost "$SERVER_EXT"
leaf client ca "sim7600 test client" "$CLIENT_EXT"
leaf wrong-client wrong-ca "sim7600 client of another CA" "$CLIENT_EXT"

key expired-key.pem
openssl req -new -key expired-key.pem -subj "/O=sim7600-hil tests/CN=localhost" -out expired.csr
printf '%s\n' "$SERVER_EXT" > expired.ext
openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca-key.pem -in expired.csr \
    -startdate $EXPIRED_FROM -enddate $EXPIRED_TO -extfile expired.ext -notext -out expired.pem 2>/dev/null

openssl pkey -in client-key.pem -aes-128-cbc -passout pass:$PASSWORD -out client-key-enc.pem
for c in ca wrong-ca server client; do openssl x509 -in $c.pem -outform DER -out $c.der; done
openssl pkey -in client-key.pem -outform DER -out client-key.der

chmod 0644 ./*.pem ./*.der
mv ./*.pem ./*.der "$dir"
touch "$dir/.complete"

"""The same client properties file hopscope reads (`--kafka-config`), as Flink's Kafka
connector options, and the user's topic shape (`--field`, `--time-format`) as the source
table's DDL.

The connector runs Kafka's Java client, shaded inside the SQL connector jar: librdkafka names
(sasl.mechanisms, sasl.username/password, ssl.ca.location, ssl.certificate.location, ...) are
turned into the Java client's (sasl.mechanism, sasl.jaas.config with the shaded login module,
PEM trust and key stores); Java names pass through, their JAAS class names shaded.

Secrets (the JAAS line, a private key) are returned apart from the other options so that
`--print-sql` can write a placeholder for each instead (filled by envsubst on the cluster),
and nothing prints them.
"""
import os
import re

SHADED = "org.apache.flink.kafka.shaded."
JAAS_MODULES = {
    "PLAIN": "org.apache.kafka.common.security.plain.PlainLoginModule",
    "SCRAM-SHA-256": "org.apache.kafka.common.security.scram.ScramLoginModule",
    "SCRAM-SHA-512": "org.apache.kafka.common.security.scram.ScramLoginModule",
}
SECRET = re.compile(r"(password|secret|jaas|\.key$|keystore\.key)", re.I)


def parse_properties(text):
    """java.util.Properties' format: key=value / key: value / key value, # and ! comments,
    a trailing backslash continues the line. Returns [(line, key, value)]."""
    out, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        start = i
        line = lines[i].lstrip()
        i += 1
        if not line or line[0] in "#!":
            continue
        while (len(line) - len(line.rstrip("\\"))) % 2 == 1 and i < len(lines):
            line = line[:-1] + lines[i].lstrip()
            i += 1
        m = re.match(r"((?:\\.|[^=:\s\\])+)\s*[=:\s]\s*(.*)$", line)
        key, value = (m.group(1), m.group(2)) if m else (line, "")
        unescape = lambda s: re.sub(r"\\(.)", lambda e: {"t": "\t", "n": "\n"}.get(e.group(1), e.group(1)), s)
        out.append((start + 1, unescape(key), unescape(value)))
    return out


def jaas_quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def connector_options(path):
    """(options, secrets, brokers) for the file at `path`: Java client names for the
    connector's 'properties.*' options; `secrets` maps the secret ones' names to values."""
    with open(path) as f:
        raw = {k: v for _, k, v in parse_properties(f.read())}
    opts, secrets = {}, {}
    brokers = raw.pop("bootstrap.servers", None)
    mech = raw.pop("sasl.mechanisms", None) or raw.pop("sasl.mechanism", None)
    if mech:
        opts["sasl.mechanism"] = mech
    user, password = raw.pop("sasl.username", None), raw.pop("sasl.password", None)
    if "sasl.jaas.config" in raw:
        jaas = raw.pop("sasl.jaas.config")
        secrets["sasl.jaas.config"] = re.sub(r"(?<![\w.])org\.apache\.kafka\.", SHADED + "org.apache.kafka.", jaas)
    elif user is not None:
        module = JAAS_MODULES.get((mech or "PLAIN").upper())
        if module is None:
            raise SystemExit(f"flink/run.py: --kafka-config: SASL mechanism {mech} has no login module here "
                             "(PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 do)")
        secrets["sasl.jaas.config"] = (f"{SHADED}{module} required username={jaas_quote(user)} "
                                       f"password={jaas_quote(password or '')};")
    ca = raw.pop("ssl.ca.location", None)
    if ca:
        opts["ssl.truststore.type"] = "PEM"
        opts["ssl.truststore.location"] = os.path.abspath(ca)
    cert, key = raw.pop("ssl.certificate.location", None), raw.pop("ssl.key.location", None)
    if cert and key:
        # Java's PEM key store: the chain and the key, given inline.
        opts["ssl.keystore.type"] = "PEM"
        with open(cert) as f:
            opts["ssl.keystore.certificate.chain"] = f.read().strip()
        with open(key) as f:
            secrets["ssl.keystore.key"] = f.read().strip()
    elif cert or key:
        raise SystemExit("flink/run.py: --kafka-config: ssl.certificate.location and ssl.key.location go together")
    if raw.get("ssl.endpoint.identification.algorithm", "").lower() == "none":
        raw["ssl.endpoint.identification.algorithm"] = ""
    # librdkafka's own tuning has no Java meaning; everything else is the Java client's.
    for k, v in raw.items():
        if k.startswith(("ssl.ca.", "ssl.certificate.", "ssl.key.pem", "enable.ssl.")) or k in (
                "socket.keepalive.enable", "fetch.wait.max.ms", "queued.max.messages.kbytes",
                "api.version.request", "broker.version.fallback"):
            continue
        (secrets if SECRET.search(k) else opts)[k] = v
    return opts, secrets, brokers


def with_options(opts, secrets, placeholders):
    """The WITH-clause lines for the connector: 'properties.k' = 'v', secrets as
    ${PLACEHOLDER}s when `placeholders` (printing), else their values."""
    lines = []
    for k, v in list(opts.items()) + list(secrets.items()):
        if k in secrets and placeholders:
            v = "${" + placeholder(k) + "}"
        lines.append(f"    'properties.{k}' = '{sql_quote(v)}',")
    return "\n".join(lines)


def placeholder(key):
    return "KAFKA_" + re.sub(r"[^A-Z0-9]", "_", key.upper())


def sql_quote(text):
    return text.replace("'", "''")


# The seed's fields the job reads, with their Flink types.
TYPES = {"id_sale": "STRING", "nm_product": "STRING", "nm_category": "STRING", "seller": "STRING",
         "price": "DECIMAL(12, 2)", "quantity": "INT"}
FIELDS = ["id_sale", "id_product", "nm_product", "nm_category", "nm_brand", "seller", "price",
          "quantity", "tp_payment", "sale_date"]
TIME_FORMATS = ["iso8601", "epoch-ms", "epoch-s", "sql"]


def parse_fields(specs):
    """['seller=/merchant/id', ...] -> {field: path}, as hopscope's --field."""
    out = {}
    for spec in specs:
        name, eq, path = spec.partition("=")
        name, path = name.strip(), path.strip()
        if not eq:
            raise SystemExit(f"flink/run.py: --field {spec!r}: expected NAME=PATH, e.g. seller=/merchant/id")
        if name not in FIELDS:
            raise SystemExit(f"flink/run.py: --field {name}: not one of the sale's fields ({', '.join(FIELDS)})")
        if path == "@timestamp" and name != "sale_date":
            raise SystemExit(f"flink/run.py: --field {name}=@timestamp: only sale_date can take the record's timestamp")
        if not path or path == "/":
            raise SystemExit(f"flink/run.py: --field {spec!r}: the path must be a key or a JSON pointer")
        if name in out:
            raise SystemExit(f"flink/run.py: --field {name} is given twice")
        out[name] = path
    return out


TIME_COLUMN = "sale_ts"


def source_columns(fields, time_format, event_time):
    """The source table's columns (physical, then computed) and the time attribute
    `sale_ts`, for the topic's shape: a JSON pointer becomes a ROW column and a computed
    column reading it."""
    physical, computed, rows = {}, [], {}

    def column(name, flink_type):
        if name == TIME_COLUMN or (name in physical and physical[name] != flink_type):
            raise SystemExit(f"flink/run.py: --field …={name}: the column {name} is already the "
                             f"job's {'time attribute' if name == TIME_COLUMN else physical[name]}")
        physical[name] = flink_type

    def segments(pointer):
        return [s.replace("~1", "/").replace("~0", "~") for s in pointer.split("/")[1:]]

    def declare(path, flink_type):
        """The expression that reads `path` (a key or a pointer) as `flink_type`."""
        if not path.startswith("/"):
            column(path, flink_type)
            return f"`{path}`"
        segs = segments(path)
        if any(s.isdigit() for s in segs):
            raise SystemExit(f"flink/run.py: --field …={path}: the Flink job reads JSON pointers into "
                             "objects, not arrays")
        node = rows.setdefault(segs[0], {})
        for s in segs[1:-1]:
            node = node.setdefault(s, {})
        node[segs[-1]] = flink_type
        return "`" + "`.`".join(segs) + "`"

    for name, flink_type in TYPES.items():
        path = fields.get(name, name)
        if path == name:
            column(name, flink_type)
        else:
            computed.append(f"{name} AS {declare(path, flink_type)}")
    date = fields.get("sale_date", "sale_date")
    if not event_time:
        ts = "sale_ts AS PROCTIME()"
    elif date == "@timestamp":
        ts = "sale_ts AS CAST(record_time AS TIMESTAMP(3))"
        column("record_time", "TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL")
    else:
        raw_type = {"iso8601": "STRING", "sql": "STRING", "epoch-ms": "BIGINT",
                    "epoch-s": "DECIMAL(20, 3)"}[time_format]
        col = declare(date, raw_type) if date != "sale_date" else "sale_date"
        if date == "sale_date":
            column("sale_date", raw_type)
        ts = {
            "iso8601": f"sale_ts AS TO_TIMESTAMP(REPLACE(SUBSTRING({col}, 1, 23), 'T', ' '), 'yyyy-MM-dd HH:mm:ss.SSS')",
            "sql": f"sale_ts AS CAST({col} AS TIMESTAMP(3))",
            "epoch-ms": f"sale_ts AS CAST(TO_TIMESTAMP_LTZ({col}, 3) AS TIMESTAMP(3))",
            "epoch-s": f"sale_ts AS CAST(TO_TIMESTAMP_LTZ(CAST({col} * 1000 AS BIGINT), 3) AS TIMESTAMP(3))",
        }[time_format]

    def row_type(node):
        return "ROW<" + ", ".join(f"`{k}` {row_type(v) if isinstance(v, dict) else v}"
                                  for k, v in node.items()) + ">"
    for root, node in rows.items():
        column(root, row_type(node))
    declared = [f"`{name}` {t}" for name, t in physical.items()]
    return ",\n    ".join(declared + computed + [ts])

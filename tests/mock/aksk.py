"""SDK-HMAC-SHA256 request signing, written from docs/api.md (AK/SK signing) alone.

The mock verifies client signatures with this module, so it deliberately
shares no code with the C implementation: two independent readings of the
same algorithm have to agree for the end-to-end tests to pass.
"""
import datetime
import hashlib
import hmac
import urllib.parse

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"


def _enc(s):
    # quote() with nothing marked safe keeps exactly A-Za-z0-9 and -_.~ and
    # writes uppercase %XX, which is the encoding the gateway signs.
    return urllib.parse.quote(s, safe="")


def canonical_uri(path):
    # Decode the whole path first, then split: an encoded "%2F" becomes a
    # segment separator, as in Huawei's published signers.
    segs = [_enc(seg) for seg in urllib.parse.unquote(path).split("/")]
    uri = "/".join(segs)
    if not uri.startswith("/"):
        uri = "/" + uri
    if not uri.endswith("/"):
        uri += "/"
    return uri


def canonical_query(query):
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        k, _, v = part.partition("=")
        if not k:
            continue        # the published signers drop pairs with no key
        pairs.append((urllib.parse.unquote(k), urllib.parse.unquote(v)))
    pairs.sort()
    return "&".join(_enc(k) + "=" + _enc(v) for k, v in pairs)


def canonical_request(method, path, query, headers, signed, body):
    """headers: dict lowercase name -> value; signed: list of lowercase names."""
    lines = "".join("%s:%s\n" % (h, headers[h].strip()) for h in signed)
    return "\n".join([method.upper(), canonical_uri(path), canonical_query(query),
                      lines, ";".join(signed),
                      hashlib.sha256(body).hexdigest()])


def string_to_sign(canonical, sdk_date):
    return "\n".join([ALGORITHM, sdk_date,
                      hashlib.sha256(canonical.encode()).hexdigest()])


def signature(sk, sts):
    return hmac.new(sk.encode(), sts.encode(), hashlib.sha256).hexdigest()


def sign(method, path, query, headers, signed, body, sk):
    """Returns (canonical request, signature hex) for the given request."""
    canon = canonical_request(method, path, query, headers, signed, body)
    sdk_date = headers["x-sdk-date"]
    return canon, signature(sk, string_to_sign(canon, sdk_date))


def parse_authorization(value):
    """Returns (access, signed header list, signature) or None when malformed."""
    if not value.startswith(ALGORITHM + " "):
        return None
    fields = {}
    for item in value[len(ALGORITHM) + 1:].split(","):
        k, eq, v = item.strip().partition("=")
        if not eq or not v or k in fields:
            return None
        fields[k] = v
    if set(fields) != {"Access", "SignedHeaders", "Signature"}:
        return None
    signed = fields["SignedHeaders"].split(";")
    if any(not h or h != h.lower() for h in signed):
        return None
    return fields["Access"], signed, fields["Signature"]


def parse_sdk_date(value):
    try:
        t = datetime.datetime.strptime(value, DATE_FORMAT)
    except ValueError:
        return None
    if len(value) != 16:
        return None
    return t.replace(tzinfo=datetime.timezone.utc)


def format_sdk_date(t):
    return t.astimezone(datetime.timezone.utc).strftime(DATE_FORMAT)

#!/usr/bin/env python3
"""Replay the OASIS KMIP profiles test cases (XML) against a KMIP server.

Each test-case file is a <KMIP> element holding alternating <RequestMessage>
and <ResponseMessage> elements. For every file this opens one mutual-TLS
connection, encodes each request to TTLV (our own encoder; PyKMIP is used for
its tag and enumeration NAME TABLES only), sends it, decodes the answer and
compares it with the expected <ResponseMessage> answer by answer:

* ResponseHeader: everything but TimeStamp and ServerCorrelationValue;
* each BatchItem: Operation, UniqueBatchItemID, ResultStatus, ResultReason
  (when expected; ResultMessage text is ignored) and every expected payload
  item by tag, type and value, in order (items are paired by tag, 1.4
  <Attribute>s by Attribute Name; among repeated items of one tag, such as
  Query's Operations or a Locate's identifiers, the first that matches in
  full is taken, whatever its position);
* items the server sends that the expected answer lacks are EXTRAS: reported,
  counted apart from mismatches, and do not fail a step;
* byte strings that cannot equal the test vendor's (ciphertexts, digests and
  material of keys the server generated, server-chosen IVs, RNG output, RSA
  encryption) are UNREPRODUCIBLE when only their value differs: counted
  apart, shown with --verbose, and do not fail a step (see Comparer).

Variables: "$NOW", "$NOW-3600", ... are the current time in requests and
match anything in responses. Any other "$NAME" in an expected response is
bound to what the server sent at its first appearance (later appearances of a
$UNIQUE_IDENTIFIER_n must equal it, other variables are re-bound) and is
substituted into later requests. A request variable no expected answer names
(CS-BC-M-13-14's $DATA_0) is the last item of its tag the server sent. A
request that still uses an unbound variable (an earlier step failed) is sent
anyway and its step is marked as following from that failure.

Usage:
  replay_testcases.py --host H --port P --ca CA --cert C --key K [--strict]
                      [--json OUT] [--verbose] FILES_OR_DIRS...

The run is a report: it exits 0 unless the harness itself breaks (2) or,
with --strict, when any step does not match (1).
"""

import argparse
import datetime
import json
import os
import re
import socket
import ssl
import struct
import sys
import time
import traceback
import xml.etree.ElementTree as ET

from kmip.core import enums

# --------------------------------------------------------------------------
# Name tables

def norm(name):
    """Compare names case/underscore/space/hyphen-insensitively."""
    return re.sub(r"[\s_\-]", "", name).lower()


def pascal(upper_snake):
    return "".join(p[:1] + p[1:].lower() for p in upper_snake.split("_"))


TYPES = {
    "Structure": 0x01, "Integer": 0x02, "LongInteger": 0x03,
    "BigInteger": 0x04, "Enumeration": 0x05, "Boolean": 0x06,
    "TextString": 0x07, "ByteString": 0x08, "DateTime": 0x09,
    "Interval": 0x0A, "DateTimeExtended": 0x0B,
}
TYPE_NAMES = {v: k for k, v in TYPES.items()}

# Tags PyKMIP 0.11 (KMIP 2.0) lacks, by the test files' spelling. Every tag in
# the KMIP 1.4 and 2.1 profiles test cases is in PyKMIP's table, so this is
# empty; an unknown tag stops its file with "unknown tag 'X'" (add it here
# from the KMIP 2.1 specification, section 11.1).
EXTRA_TAGS = {}

TAG_BY_NORM = {}
TAG_NAME = {}
for _m in enums.Tags:
    TAG_BY_NORM.setdefault(norm(_m.name), _m.value)
    TAG_NAME.setdefault(_m.value, pascal(_m.name))
for _n, _v in EXTRA_TAGS.items():
    TAG_BY_NORM.setdefault(norm(_n), _v)
    TAG_NAME.setdefault(_v, _n)
ENUM_CLASSES = {}
for _n in dir(enums):
    _c = getattr(enums, _n)
    if isinstance(_c, type) and hasattr(_c, "__members__") and _n not in ("Tags", "Types"):
        ENUM_CLASSES[norm(_n)] = _c

# Tags whose enumeration table is not the class of the same name.
ENUM_FOR_TAG = {
    "attributereference": enums.Tags,     # KMIP 2: an attribute's tag
    "tag": enums.Tags,
    "maskgeneratorhashingalgorithm": enums.HashingAlgorithm,
}

# Enumeration names the test files use that PyKMIP lacks or spells otherwise,
# by table: {normalized table: {normalized name: value}}.
EXTRA_ENUM = {
    # KMIP 1.x "Opaque Object" is PyKMIP's OPAQUE_DATA.
    "objecttype": {"opaqueobject": 0x08},
    # "DES3" is Triple DES (KMIP 1.x spelling in the XML files).
    "cryptographicalgorithm": {"des3": 0x02},
    # KMIP 2.1 PKCS#11 Function: the function's 1-based index in the PKCS#11
    # CK_FUNCTION_LIST (PyKMIP has only a placeholder).
    "pkcs11function": {"cinitialize": 1, "cfinalize": 2, "cgetinfo": 3,
                       "cgetfunctionlist": 4},
    # KMIP 2.1 PKCS#11 Return Code: the CK_RV value; CKR_OK is 0.
    "pkcs11returncode": {"ok": 0},
}


class NameError_(Exception):
    pass


def tag_number(name):
    if re.fullmatch(r"0x[0-9a-fA-F]{6}", name):
        return int(name, 16)
    if name.startswith("TAG_"):
        name = name[4:]
    value = TAG_BY_NORM.get(norm(name))
    if value is None:
        raise NameError_("unknown tag %r" % name)
    return value


def tag_name(number):
    return TAG_NAME.get(number, "0x%06X" % number)


def enum_class(context):
    """The PyKMIP enumeration table for a tag name (normalized)."""
    if context in ENUM_FOR_TAG:
        return ENUM_FOR_TAG[context]
    return ENUM_CLASSES.get(context)


def enum_value(context, text):
    """An enumeration's number from its name in the table for `context`."""
    text = text.strip()
    if re.fullmatch(r"0x[0-9a-fA-F]+", text):
        return int(text, 16)
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    cls = enum_class(context)
    wanted = norm(text)
    if cls is not None:
        for member in cls:
            if norm(member.name) == wanted:
                return member.value
    extra = EXTRA_ENUM.get(context, {})
    if wanted in extra:
        return extra[wanted]
    raise NameError_("cannot map enumeration %r for %s" % (text, context or "?"))


def enum_display(context, number):
    cls = enum_class(context)
    if cls is not None:
        for member in cls:
            if member.value == number:
                return pascal(member.name) if cls is not enums.Tags else tag_name(number)
    for name, value in EXTRA_ENUM.get(context, {}).items():
        if value == number:
            return name
    return "0x%08X" % number


MASKS = {"cryptographicusagemask", "storagestatusmask", "protectionstoragemask",
         "commonprotectionstoragemasks", "privateprotectionstoragemasks",
         "publicprotectionstoragemasks", "protectionstoragemasks"}


def mask_class(context):
    if context.endswith("masks"):
        context = "protectionstoragemask"
    return ENUM_CLASSES.get(context)


def integer_value(context, text):
    text = text.strip()
    if re.fullmatch(r"0x[0-9a-fA-F]+", text):
        return int(text, 16)
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if context in MASKS:
        cls = mask_class(context)
        total = 0
        for flag in re.split(r"[\s|]+", text):
            if not flag:
                continue
            if re.fullmatch(r"0x[0-9a-fA-F]+", flag):
                total |= int(flag, 16)
                continue
            found = [m.value for m in cls if norm(m.name) == norm(flag)]
            if not found:
                raise NameError_("cannot map mask flag %r for %s" % (flag, context))
            total |= found[0]
        return total
    raise NameError_("cannot read integer %r for %s" % (text, context))


def mask_display(context, number):
    cls = mask_class(context)
    if cls is None:
        return str(number)
    names = [pascal(m.name) for m in cls if number & m.value]
    rest = number & ~sum(m.value for m in cls)
    if rest:
        names.append("0x%X" % rest)
    return " ".join(names) if names else "0"


# --------------------------------------------------------------------------
# TTLV

class Node:
    __slots__ = ("tag", "type", "value", "children", "context")

    def __init__(self, tag, type_, value=None, children=None, context=""):
        self.tag = tag
        self.type = type_
        self.value = value
        self.children = children if children is not None else []
        self.context = context  # normalized tag name used for enum/mask display

    def find(self, name):
        number = tag_number(name)
        for child in self.children:
            if child.tag == number:
                return child
        return None

    def find_all(self, name):
        number = tag_number(name)
        return [c for c in self.children if c.tag == number]


def encode(node):
    t = node.type
    if t == 0x01:
        body = b"".join(encode(c) for c in node.children)
    elif t == 0x02:
        body = struct.pack(">i", node.value if node.value < 2**31 else node.value - 2**32)
    elif t == 0x03:
        body = struct.pack(">q", node.value)
    elif t == 0x04:
        body = node.value  # bytes, already a multiple of 8
    elif t == 0x05:
        body = struct.pack(">I", node.value & 0xFFFFFFFF)
    elif t == 0x06:
        body = struct.pack(">Q", 1 if node.value else 0)
    elif t == 0x07:
        body = node.value.encode("utf-8")
    elif t == 0x08:
        body = node.value
    elif t in (0x09, 0x0B):
        body = struct.pack(">q", node.value)
    elif t == 0x0A:
        body = struct.pack(">I", node.value)
    else:
        raise ValueError("cannot encode type %r" % t)
    pad = (8 - len(body) % 8) % 8
    return struct.pack(">I", node.tag)[1:] + bytes([t]) + struct.pack(">I", len(body)) + body + b"\0" * pad


def decode(data, offset=0, end=None):
    """Decode TTLV items from data[offset:end]; returns a list of Nodes."""
    end = len(data) if end is None else end
    items = []
    while offset < end:
        if end - offset < 8:
            raise ValueError("truncated TTLV header at %d" % offset)
        tag = int.from_bytes(data[offset:offset + 3], "big")
        t = data[offset + 3]
        length = struct.unpack(">I", data[offset + 4:offset + 8])[0]
        start = offset + 8
        stop = start + length
        if stop > end:
            raise ValueError("TTLV item %s overruns its container" % tag_name(tag))
        raw = data[start:stop]
        node = Node(tag, t, context=norm(tag_name(tag)))
        if t == 0x01:
            node.children = decode(data, start, stop)
        elif t == 0x02:
            node.value = struct.unpack(">i", raw)[0]
        elif t in (0x03, 0x09, 0x0B):
            node.value = struct.unpack(">q", raw)[0]
        elif t == 0x04:
            node.value = int.from_bytes(raw, "big", signed=True)
        elif t == 0x05:
            node.value = struct.unpack(">I", raw)[0]
        elif t == 0x06:
            node.value = struct.unpack(">Q", raw)[0] != 0
        elif t == 0x07:
            node.value = raw.decode("utf-8", "replace")
        elif t == 0x08:
            node.value = bytes(raw)
        elif t == 0x0A:
            node.value = struct.unpack(">I", raw)[0]
        else:
            node.value = bytes(raw)
        items.append(node)
        offset = stop + (8 - length % 8) % 8
    return items


# --------------------------------------------------------------------------
# XML -> Nodes

class Var:
    """A $VARIABLE in an expected response."""
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "$" + self.name


NOW_RE = re.compile(r"\$NOW(?:([+-])(\d+))?$")


def parse_datetime(text, now):
    m = NOW_RE.match(text)
    if m:
        delta = int(m.group(2) or 0)
        return now - delta if m.group(1) == "-" else now + delta
    text = text.strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"0x[0-9a-fA-F]+", text):
        return int(text, 16)
    stamp = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=datetime.timezone.utc)
    return int(stamp.timestamp())


def bigint_bytes(text):
    text = text.strip()
    if text.startswith("0x"):
        text = text[2:]
    if re.fullmatch(r"-?\d+", text) and not re.fullmatch(r"[0-9a-fA-F]{2,}", text):
        value = int(text)
        length = max(1, (value.bit_length() + 8) // 8)
        raw = value.to_bytes(length, "big", signed=True)
    else:
        if len(text) % 2:
            text = "0" + text
        raw = bytes.fromhex(text)
    pad = (8 - len(raw) % 8) % 8
    fill = b"\xff" if raw and raw[0] & 0x80 else b"\0"
    return fill * pad + raw


class Builder:
    """Turns XML elements into Nodes. In a request, variables are replaced by
    their bindings; in an expected response they stay Var."""

    def __init__(self, bindings, now, problems, last_got=None):
        self.bindings = bindings
        self.now = now
        self.problems = problems  # harness-side problems (unmapped names...)
        self.last_got = last_got if last_got is not None else {}

    def build(self, elem, request, context=None):
        tag = tag_number(elem.tag)
        name_norm = norm(tag_name(tag))
        ctx = context or name_norm
        type_name = elem.get("type")
        if type_name is None or type_name == "Structure":
            node = Node(tag, 0x01, context=name_norm)
            attribute_name = None
            for child in elem:
                if not isinstance(child.tag, str):
                    continue  # comments
                child_ctx = None
                if child.tag == "AttributeValue" and attribute_name is not None:
                    child_ctx = norm(attribute_name)
                if child.tag == "AttributeName":
                    attribute_name = child.get("value", "")
                node.children.append(self.build(child, request, child_ctx))
            return node
        if type_name not in TYPES:
            raise NameError_("unknown type %r on %s" % (type_name, elem.tag))
        t = TYPES[type_name]
        text = elem.get("value", "")
        node = Node(tag, t, context=ctx)
        if text.startswith("$"):
            m = NOW_RE.match(text)
            if m and t in (0x09, 0x0B):
                if request:
                    node.value = parse_datetime(text, self.now)
                else:
                    node.value = Var(text[1:])
                return node
            if not request:
                node.value = Var(text[1:])
                return node
            name = text[1:]
            if name in self.bindings:
                bound = self.bindings[name]
                node.value = bound.value
                if bound.type != t:
                    node.type = bound.type
                return node
            if tag in self.last_got and "UNIQUE_IDENTIFIER" not in name:
                # Some files use a variable the expected answers never name
                # (CS-BC-M-13-14's $DATA_0, CS-AC-M-6's $MAC_DATA): it is
                # the last item of that tag the server sent.
                bound = self.last_got[tag]
                self.bindings[name] = bound
                node.value = bound.value
                node.type = bound.type
                return node
            self.problems.append("request uses unbound variable %s" % text)
            node.value = {0x07: text, 0x08: b""}.get(t, 0)
            return node
        node.value = self.leaf(t, text, ctx)
        return node

    def leaf(self, t, text, ctx):
        if t == 0x02:
            return integer_value(ctx, text)
        if t in (0x03, 0x0A):
            return int(text, 0)
        if t == 0x04:
            return bigint_bytes(text)
        if t == 0x05:
            return enum_value(ctx, text)
        if t == 0x06:
            return text.strip().lower() in ("true", "1")
        if t == 0x07:
            return text
        if t == 0x08:
            return bytes.fromhex(text.strip())
        if t in (0x09, 0x0B):
            return parse_datetime(text, self.now)
        raise NameError_("cannot read type %r" % t)


# --------------------------------------------------------------------------
# Comparison

def show(node, value=None):
    value = node.value if value is None else value
    if isinstance(value, Var):
        return repr(value)
    t = node.type
    if t == 0x05:
        return enum_display(node.context, value)
    if t == 0x02 and node.context in MASKS:
        return "%s (%d)" % (mask_display(node.context, value), value)
    if t in (0x08, 0x0B) and isinstance(value, (bytes, bytearray)):
        h = value.hex()
        return h if len(h) <= 72 else h[:64] + "...(%d bytes)" % len(value)
    if t == 0x04:
        if isinstance(value, (bytes, bytearray)):
            value = int.from_bytes(value, "big", signed=True)
        h = "%x" % value
        return h if len(h) <= 72 else h[:64] + "...(%d bits)" % value.bit_length()
    if t == 0x09:
        return datetime.datetime.fromtimestamp(value, datetime.timezone.utc).isoformat()
    if t == 0x01:
        return "<structure of %d>" % len(node.children)
    return repr(value)


def brief(node):
    if node.type == 0x01:
        return "%s{%s}" % (tag_name(node.tag), ", ".join(brief(c) for c in node.children[:6]))
    return "%s=%s" % (tag_name(node.tag), show(node))


class Step:
    def __init__(self):
        self.mismatches = []   # (path, expected, got)
        self.extras = []       # (path, got)
        self.unreproducible = []  # (path, expected, got): see Comparer
        self.notes = []


def pair_key(node):
    """1.4 <Attribute>s are paired by their Attribute Name."""
    if node.type == 0x01 and tag_name(node.tag) == "Attribute":
        for c in node.children:
            if tag_name(c.tag) == "AttributeName":
                return (node.tag, c.value if isinstance(c.value, str) else repr(c.value))
    return (node.tag,)


# Operations whose new objects hold key material the server made.
GENERATING = {"Create", "CreateKeyPair", "ReKey", "ReKeyKeyPair", "DeriveKey",
              "CreateSplitKey", "JoinSplitKey", "Certify", "ReCertify"}
# Identifiers of objects whose key material the server made, over the whole
# run: a file may use what an earlier one made (TL-M-3 locates TL-M-2's key).
GENERATED_IDS = set()
# Identifiers of registered public and private keys: RSA encryption (OAEP and
# PKCS#1 v1.5 alike) is randomized, so their Encrypt outputs are too.
ASYMMETRIC_IDS = set()
# Byte strings a server chooses itself.
SERVER_CHOSEN = {"IvCounterNonce", "CorrelationValue", "AuthenticatedEncryptionTag"}


class Comparer:
    """Compares an expected answer with the server's and binds variables.

    A byte string (or big integer) that differs from the expected one but has
    its length is UNREPRODUCIBLE, counted apart and not a mismatch, when it
    cannot equal the test vendor's: the step touches an object whose key
    material the server made (Create, Create Key Pair, Re-key...: its
    ciphertexts, digests, signatures and the material itself), it is an IV,
    tag or correlation value the server chose, or it is the output of RNG
    Retrieve, of an Encrypt whose IV the server chose or of an Encrypt with a
    registered public key (RSA encryption is randomized)."""

    def __init__(self, bindings):
        self.bindings = bindings
        self.generated = GENERATED_IDS
        self.volatile = False     # this step's byte strings are unreproducible
        self.operation = ""       # the batch item being compared

    def leaf_equal(self, exp, got, path, step):
        value = exp.value
        if isinstance(value, Var):
            name = value.name
            if NOW_RE.match("$" + name):
                return True
            if name in self.bindings and name.startswith("UNIQUE_IDENTIFIER"):
                bound = self.bindings[name]
                if bound.value != got.value:
                    step.mismatches.append((path, "$%s (= %s)" % (name, show(bound)), show(got)))
                    return False
                return True
            self.bindings[name] = got
            if name.startswith("UNIQUE_IDENTIFIER") and self.operation in GENERATING:
                self.generated.add(got.value)
            if name.startswith(("PRIVATE_KEY_UNIQUE", "PUBLIC_KEY_UNIQUE")):
                self.generated.add(got.value)
            return True
        if exp.type != got.type:
            step.mismatches.append((path, "%s %s" % (TYPE_NAMES.get(exp.type), show(exp)),
                                    "%s %s" % (TYPE_NAMES.get(got.type, got.type), show(got))))
            return False
        gv = got.value
        ev = value
        if exp.type == 0x04:
            ev = int.from_bytes(ev, "big", signed=True)
            gv = gv if isinstance(gv, int) else int.from_bytes(gv, "big", signed=True)
        if ev != gv:
            if self.unreproducible(exp, got, path):
                step.unreproducible.append((path, show(exp), show(got)))
                return True
            step.mismatches.append((path, show(exp), show(got)))
            return False
        return True

    def unreproducible(self, exp, got, path):
        if exp.type == 0x08:
            if len(exp.value) != len(got.value):
                return False
        elif exp.type == 0x04:
            gv = got.value if isinstance(got.value, int) else int.from_bytes(got.value, "big", signed=True)
            ev = int.from_bytes(exp.value, "big", signed=True)
            if abs(ev.bit_length() - gv.bit_length()) > 8:
                return False
        else:
            return False
        return (self.volatile or tag_name(exp.tag) in SERVER_CHOSEN
                or self.operation == "RngRetrieve")

    def compare(self, exp, got, path, step):
        if exp.type != 0x01 or got.type != 0x01:
            if exp.type == 0x01 or got.type == 0x01:
                step.mismatches.append((path, "%s %s" % (TYPE_NAMES.get(exp.type), brief(exp)),
                                        "%s %s" % (TYPE_NAMES.get(got.type, got.type), brief(got))))
                return
            self.leaf_equal(exp, got, path, step)
            return
        self.compare_children(exp.children, got.children, path, step)

    def compare_children(self, exp_children, got_children, path, step, skip=()):
        used = [False] * len(got_children)
        counts = {}
        for e in exp_children:
            counts[pair_key(e)] = counts.get(pair_key(e), 0) + 1
        for e in exp_children:
            if tag_name(e.tag) in skip:
                continue
            key = pair_key(e)
            candidates = [i for i, g in enumerate(got_children)
                          if not used[i] and pair_key(g) == key]
            match = candidates[0] if candidates else None
            if len(candidates) > 1:
                # Repeated items of one tag (Query's Operations, a Locate's
                # identifiers, 1.4 Links...): take the first that matches
                # in full, whatever its position. If none does, an item the
                # answer repeats too is "missing"; a single one is compared
                # with the first candidate.
                full = None
                for i in candidates:
                    trial = Step()
                    probe = Comparer(dict(self.bindings))
                    probe.volatile, probe.operation = self.volatile, self.operation
                    probe.compare(e, got_children[i], "", trial)
                    if not trial.mismatches:
                        full = i
                        break
                if full is not None or counts[key] > 1:
                    match = full
            sub = (path + "/" if path else "") + tag_name(e.tag)
            if len(key) > 1:
                sub += "[%s]" % key[1]
            if match is None:
                if e.type == 0x01 and not e.children:
                    continue  # an empty structure the server left out
                step.mismatches.append((sub, brief(e) if e.type == 0x01 else show(e), "(missing)"))
                continue
            used[match] = True
            self.compare(e, got_children[match], sub, step)
        for i, g in enumerate(got_children):
            if not used[i] and tag_name(g.tag) not in skip:
                step.extras.append(((path + "/" if path else "") + tag_name(g.tag), brief(g)))


HEADER_IGNORED = ("TimeStamp", "ServerCorrelationValue")
ITEM_IGNORED = ("ResultMessage",)


def compare_response(comparer, exp, got, step):
    if got is None:
        step.mismatches.append(("ResponseMessage", "a response", "(none)"))
        return
    if tag_name(got.tag) != "ResponseMessage":
        step.mismatches.append(("", "ResponseMessage", brief(got)))
        return
    eh, gh = exp.find("ResponseHeader"), got.find("ResponseHeader")
    if eh is not None:
        if gh is None:
            step.mismatches.append(("ResponseHeader", "present", "(missing)"))
        else:
            comparer.compare_children(eh.children, gh.children, "ResponseHeader", step, HEADER_IGNORED)
    e_items, g_items = exp.find_all("BatchItem"), got.find_all("BatchItem")
    for k, e_item in enumerate(e_items):
        prefix = "BatchItem[%d]" % k if len(e_items) > 1 else ""
        g_item = g_items[k] if k < len(g_items) else None
        e_id = e_item.find("UniqueBatchItemID")
        if e_id is not None:
            for cand in g_items:
                c_id = cand.find("UniqueBatchItemID")
                if c_id is not None and c_id.value == e_id.value:
                    g_item = cand
        if g_item is None:
            step.mismatches.append((prefix or "BatchItem", brief(e_item), "(missing)"))
            continue
        e_op = e_item.find("Operation")
        comparer.operation = show(e_op) if e_op is not None else ""
        e_status = e_item.find("ResultStatus")
        g_status = g_item.find("ResultStatus")
        status_ok = (e_status is None or g_status is None or e_status.value == g_status.value)
        join = (prefix + "/") if prefix else ""
        if not status_ok:
            reason = g_item.find("ResultReason")
            message = g_item.find("ResultMessage")
            got = show(g_status)
            if reason is not None:
                got += " / " + show(reason)
            if message is not None:
                got += " (%s)" % message.value
            exp_text = show(e_status)
            e_reason = e_item.find("ResultReason")
            if e_reason is not None:
                exp_text += " / " + show(e_reason)
            step.mismatches.append((join + "ResultStatus", exp_text, got))
            # Compare the rest of the item but not its payload.
            comparer.compare_children(e_item.children, g_item.children, prefix or "", step,
                                      ITEM_IGNORED + ("ResultStatus", "ResultReason", "ResponsePayload"))
            continue
        comparer.compare_children(e_item.children, g_item.children, prefix, step, ITEM_IGNORED)
    for k in range(len(e_items), len(g_items)):
        step.extras.append(("BatchItem[%d]" % k, brief(g_items[k])))


# --------------------------------------------------------------------------
# Transport

class Connection:
    def __init__(self, args):
        self.args = args
        self.sock = None

    def open(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(self.args.ca)
        ctx.load_cert_chain(self.args.cert, self.args.key)
        raw = socket.create_connection((self.args.host, self.args.port), timeout=self.args.timeout)
        self.sock = ctx.wrap_socket(raw, server_hostname=self.args.host)

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None

    def read_exact(self, n):
        chunks = []
        while n:
            chunk = self.sock.recv(n)
            if not chunk:
                raise ConnectionError("server closed the connection")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def roundtrip(self, payload):
        if self.sock is None:
            self.open()
        self.sock.sendall(payload)
        header = self.read_exact(8)
        length = struct.unpack(">I", header[4:8])[0]
        return header + self.read_exact(length)


# --------------------------------------------------------------------------
# Replay

class FileResult:
    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)
        self.steps = []          # (index, operation, Step)
        self.error = None


def operations_of(node):
    ops = []
    for item in node.find_all("BatchItem"):
        op = item.find("Operation")
        if op is not None:
            ops.append(show(op) if not isinstance(op.value, Var) else repr(op.value))
    return "+".join(ops) or "?"


def leaves(node):
    if node.type == 0x01:
        for child in node.children:
            yield from leaves(child)
    else:
        yield node


def touches(request, generated):
    """Whether a request names an object whose key material the server made."""
    return any(n.type == 0x07 and n.value in generated for n in leaves(request))


def server_iv(request, got):
    """An Encrypt that sent no IV, answered with one: the server chose it."""
    sent = any(tag_name(n.tag) == "IvCounterNonce" for n in leaves(request))
    came = any(tag_name(n.tag) == "IvCounterNonce" for n in leaves(got))
    return came and not sent


def replay_file(path, args):
    result = FileResult(path)
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        result.error = "XML parse error: %s" % exc
        return result
    messages = [e for e in root if isinstance(e.tag, str)]
    bindings = {}
    last_got = {}  # tag -> the last leaf of that tag the server sent
    conn = Connection(args)
    comparer = Comparer(bindings)
    index = 0
    i = 0
    try:
        while i < len(messages):
            req = messages[i]
            if req.tag != "RequestMessage":
                i += 1
                continue
            exp_elem = messages[i + 1] if i + 1 < len(messages) and messages[i + 1].tag == "ResponseMessage" else None
            i += 2 if exp_elem is not None else 1
            step = Step()
            now = int(time.time())
            builder = Builder(bindings, now, step.notes, last_got)
            try:
                request = builder.build(req, request=True)
                expected = builder.build(exp_elem, request=False) if exp_elem is not None else None
            except NameError_ as exc:
                result.error = "step %d: harness cannot encode: %s" % (index, exc)
                result.steps.append((index, "?", step))
                step.mismatches.append(("(harness)", "encodable test case", str(exc)))
                break
            op = operations_of(request)
            got = None
            try:
                raw = conn.roundtrip(encode(request))
                decoded = decode(raw)
                got = decoded[0] if decoded else None
            except (ConnectionError, socket.timeout, ssl.SSLError, OSError) as exc:
                step.notes.append("transport: %s" % exc)
                conn.close()
            except ValueError as exc:
                step.notes.append("undecodable response: %s" % exc)
            if got is not None:
                for leaf in leaves(got):
                    last_got[leaf.tag] = leaf
            if expected is not None:
                if got is None:
                    step.mismatches.append(("ResponseMessage", "a response", "(no response: %s)" % "; ".join(step.notes)))
                else:
                    comparer.volatile = (touches(request, comparer.generated) or server_iv(request, got)
                                         or touches(got, comparer.generated)
                                         or (op == "Encrypt" and touches(request, ASYMMETRIC_IDS))
                                         or any(o in GENERATING for o in op.split("+")))
                    compare_response(comparer, expected, got, step)
            if op == "Register" and got is not None and any(
                    tag_name(n.tag) == "ObjectType" and n.value in (3, 4) for n in leaves(request)):
                ASYMMETRIC_IDS.update(n.value for n in leaves(got)
                                      if n.type == 0x07 and tag_name(n.tag) == "UniqueIdentifier")
            result.steps.append((index, op, step))
            index += 1
    finally:
        conn.close()
    return result


def collect(paths):
    files = []
    for p in paths:
        if os.path.isdir(p):
            for dirpath, _, names in os.walk(p):
                files.extend(os.path.join(dirpath, n) for n in names if n.lower().endswith(".xml"))
        else:
            files.append(p)
    return sorted(files, key=lambda f: (os.path.dirname(f), os.path.basename(f)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5696)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--strict", action="store_true", help="exit 1 on any mismatch")
    parser.add_argument("--json", help="write every step's differences to this file")
    parser.add_argument("--max-diffs", type=int, default=4, help="differences shown per failed file")
    parser.add_argument("--verbose", "-v", action="store_true", help="show extras too")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()

    files = collect(args.paths)
    if not files:
        print("no test-case files in %s" % " ".join(args.paths), file=sys.stderr)
        return 2
    results = []
    for path in files:
        res = replay_file(path, args)
        results.append(res)
        bad = [(i, op, s) for i, op, s in res.steps if s.mismatches]
        extras = sum(len(s.extras) for _, _, s in res.steps)
        unrepro = sum(len(s.unreproducible) for _, _, s in res.steps)
        matched = len(res.steps) - len(bad)
        tail = " (%d/%d steps%s%s)" % (
            matched, len(res.steps),
            ", %d extra items" % extras if extras else "",
            ", %d unreproducible values" % unrepro if unrepro else "")
        if not bad and not res.error:
            print("PASS %s%s" % (res.name, tail))
        else:
            print("FAIL %s%s" % (res.name, tail))
            if res.error:
                print("     harness: %s" % res.error)
            shown = 0
            for i, op, s in bad:
                for p, e, g in s.mismatches:
                    if shown >= args.max_diffs:
                        break
                    print("     step %d %s %s: expected %s, got %s" % (i, op, p or "BatchItem", e, g))
                    shown += 1
                for n in s.notes:
                    if n.startswith("request uses unbound") and shown < args.max_diffs:
                        print("     step %d %s: %s (an earlier step failed)" % (i, op, n))
            remaining = sum(len(s.mismatches) for _, _, s in bad) - shown
            if remaining > 0:
                print("     ... %d more differences" % remaining)
        if args.verbose:
            for i, op, s in res.steps:
                for p, g in s.extras:
                    print("     extra step %d %s %s: %s" % (i, op, p, g))
                for p, e, g in s.unreproducible:
                    print("     unreproducible step %d %s %s: expected %s, got %s" % (i, op, p, e, g))
                for n in s.notes:
                    print("     note step %d %s: %s" % (i, op, n))

    # Summary, per directory.
    print()
    row = "%-44s %6s / %-4s %7s / %-5s %7s %8s"
    print("%-44s %13s %15s %7s %8s" % ("directory", "files passed", "steps matched", "extras", "unrepro"))
    groups = {}
    for r in results:
        groups.setdefault(os.path.dirname(r.path), []).append(r)
    total = [0, 0, 0, 0, 0, 0]
    for d, rs in groups.items():
        fp = sum(1 for r in rs if not r.error and all(not s.mismatches for _, _, s in r.steps))
        sm = sum(1 for r in rs for _, _, s in r.steps if not s.mismatches)
        st = sum(len(r.steps) for r in rs)
        ex = sum(len(s.extras) for r in rs for _, _, s in r.steps)
        ur = sum(len(s.unreproducible) for r in rs for _, _, s in r.steps)
        label = d if len(d) <= 44 else "..." + d[-41:]
        print(row % (label, fp, len(rs), sm, st, ex, ur))
        for k, v in enumerate((fp, len(rs), sm, st, ex, ur)):
            total[k] += v
    if len(groups) > 1:
        print(row % ("total", *total))
    harness = [r for r in results if r.error]
    if harness:
        print("harness could not run %d file(s) completely: %s" % (len(harness), ", ".join(r.name for r in harness)))

    if args.json:
        out = []
        for r in results:
            out.append({"file": r.path, "error": r.error, "steps": [
                {"step": i, "operation": op,
                 "mismatches": [{"path": p, "expected": e, "got": g} for p, e, g in s.mismatches],
                 "extras": [{"path": p, "got": g} for p, g in s.extras],
                 "unreproducible": [{"path": p, "expected": e, "got": g} for p, e, g in s.unreproducible],
                 "notes": s.notes} for i, op, s in r.steps]})
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1)
    failed = total[1] - total[0]
    if args.strict and (failed or harness):
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SystemExit:
        raise
    except BaseException:
        traceback.print_exc()
        sys.exit(2)

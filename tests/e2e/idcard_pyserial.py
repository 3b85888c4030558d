#!/usr/bin/python3
"""A real client for the emulated ID-card reader, over a serial port with pyserial.

It builds the SAM business-terminal frames itself from the spec (GA/T 467,
spec §2.1 / Annex H1), using no project code:

    request   AA AA AA 96 69 | Len1 Len2 | CMD PARA | data | CHK
    response  AA AA AA 96 69 | Len1 Len2 | SW1 SW2 SW3 | data | CHK

Len (big-endian) counts every byte after itself, CHK included; CHK is the XOR
of Len1 .. the last data byte.

    idcard_pyserial.py PORT [--baud 115200] [--switch-baud 9600] [--expect card|no-card]
                            [--timeout 5] [--no-restore]
    idcard_pyserial.py --self-test

It optionally switches the reader's rate (60 0x, answered at the old rate,
then both ends change), then runs find → select → read (30 01), checking the
preamble, length and checksum of every answer, decodes the UCS-2 text block,
checks the ID number's GB 11643 check character and times the read. It prints
ONE JSON object on stdout and exits 0, or exits 1 with a message on stderr on
any protocol error (2 for usage errors).
"""

import argparse
import json
import sys
import time

PREAMBLE = bytes([0xAA, 0xAA, 0xAA, 0x96, 0x69])
BAUDS = [115200, 57600, 38400, 19200, 9600]  # 60 00 .. 60 04
FIND, SELECT, READ = (0x20, 0x01), (0x20, 0x02), (0x30, 0x01)
SW3_NAMES = {
    0x90: "success", 0x9F: "find OK", 0x10: "checksum error", 0x11: "length error",
    0x21: "bad command", 0x23: "privilege violation", 0x24: "unrecognised error",
    0x31: "card failed to authenticate the SAM", 0x32: "SAM failed to authenticate the card",
    0x33: "information verification error", 0x40: "unrecognised card type", 0x41: "read failed",
    0x47: "get-random failed", 0x60: "SAM self-test failed", 0x66: "SAM not authorised",
    0x80: "find card failed (no card)", 0x81: "select failed", 0x91: "no content", 0xFF: "communication failure",
}
# Resident layout of the 256-byte text block: (field, width in bytes)
TEXT_FIELDS = [("name", 30), ("sex", 2), ("nation", 4), ("birth", 16), ("address", 70),
               ("id_number", 36), ("authority", 30), ("valid_from", 16), ("valid_to", 16), ("reserved", 36)]


class ProtocolError(Exception):
    pass


def xor(data):
    x = 0
    for b in data:
        x ^= b
    return x


def frame(body):
    """Preamble, Len, body, CHK."""
    n = len(body) + 1
    if n > 0xFFFF:
        raise ValueError("frame too long")
    head = bytes([n >> 8, n & 0xFF])
    return PREAMBLE + head + bytes(body) + bytes([xor(head + bytes(body))])


def request(cmd, para, data=b""):
    return frame(bytes([cmd, para]) + bytes(data))


def response(sw3, data=b"", sw1=0, sw2=0):
    return frame(bytes([sw1, sw2, sw3]) + bytes(data))


def check_digit(first17):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


def id_number_valid(n):
    return len(n) == 18 and n[:17].isdigit() and check_digit(n[:17]) == n[17]


def ucs2(raw):
    """UCS-2 LE field to str, space padding removed."""
    return raw.decode("utf-16-le", errors="replace").rstrip(" \x00")


def ucs2_field(text, width):
    """str to a UCS-2 LE field of `width` bytes, space padded (as cards are)."""
    raw = text.encode("utf-16-le")[:width]
    return raw + b" \x00" * ((width - len(raw)) // 2)


def decode_text(block):
    if len(block) != 256:
        raise ProtocolError("text block of %d bytes, expected 256" % len(block))
    out, at = {}, 0
    for name, width in TEXT_FIELDS:
        out[name] = ucs2(block[at:at + width])
        at += width
    flag = ucs2(block[248:250])
    out["card_type_flag"] = flag
    return out


def parse_frame(raw):
    """(sw1, sw2, sw3, data) of one whole response frame; ProtocolError if malformed."""
    if raw[:5] != PREAMBLE:
        raise ProtocolError("bad preamble: " + raw[:5].hex(" "))
    n = (raw[5] << 8) | raw[6]
    if n < 4 or len(raw) != 7 + n:
        raise ProtocolError("bad length %d for a %d-byte frame" % (n, len(raw)))
    if xor(raw[5:-1]) != raw[-1]:
        raise ProtocolError("bad checksum %02x, expected %02x" % (raw[-1], xor(raw[5:-1])))
    return raw[7], raw[8], raw[9], bytes(raw[10:-1])


class Reader:
    def __init__(self, port, baud, timeout):
        import serial  # Debian python3-serial

        self.timeout = timeout
        self.ser = serial.Serial(port, baudrate=baud, bytesize=8, parity="N", stopbits=1, timeout=0.05)
        self.ser.reset_input_buffer()
        self.garbage = 0

    def close(self):
        self.ser.close()

    def set_baud(self, baud):
        self.ser.baudrate = baud

    def _read(self, n, deadline):
        buf = bytearray()
        while len(buf) < n:
            if time.monotonic() > deadline:
                raise ProtocolError("timeout: %d of %d bytes received" % (len(buf), n))
            buf += self.ser.read(n - len(buf))
        return bytes(buf)

    def read_frame(self):
        """The next response frame; bytes before a preamble are skipped (and counted)."""
        deadline = time.monotonic() + self.timeout
        window = b""
        while window != PREAMBLE:
            window = (window + self._read(1, deadline))[-5:]
            if len(window) == 5 and window != PREAMBLE:
                self.garbage += 1
        head = self._read(2, deadline)
        n = (head[0] << 8) | head[1]
        if n < 4 or n > 4096:
            raise ProtocolError("length error: Len %d" % n)
        raw = PREAMBLE + head + self._read(n, deadline)
        return parse_frame(raw) + (len(raw),)

    def command(self, cmd_para, data=b""):
        self.ser.write(request(cmd_para[0], cmd_para[1], data))
        self.ser.flush()
        return self.read_frame()


def run(args):
    result = {"sw3": {}, "port": args.port, "baud": args.baud}
    rd = Reader(args.port, args.baud, args.timeout)
    try:
        if args.switch_baud:
            if args.switch_baud not in BAUDS:
                raise ProtocolError("the reader cannot run at %d baud" % args.switch_baud)
            _, _, sw3, _, _ = rd.command((0x60, BAUDS.index(args.switch_baud)))
            result["sw3"]["set_baud"] = "%02x" % sw3
            if sw3 != 0x90:
                raise ProtocolError("set baud answered %02x (%s)" % (sw3, SW3_NAMES.get(sw3, "?")))
            time.sleep(0.05)  # let the reader switch before we talk at the new rate
            rd.set_baud(args.switch_baud)
            result["baud"] = args.switch_baud

        _, _, sw3, data, _ = rd.command(FIND)
        result["sw3"]["find"] = "%02x" % sw3
        if args.expect == "no-card":
            if sw3 != 0x80:
                raise ProtocolError("expected no card (80), find answered %02x" % sw3)
            return result
        if sw3 != 0x9F:
            raise ProtocolError("find answered %02x (%s)" % (sw3, SW3_NAMES.get(sw3, "?")))
        if len(data) != 4:
            raise ProtocolError("find OK with %d data bytes, expected 4" % len(data))

        _, _, sw3, data, _ = rd.command(SELECT)
        result["sw3"]["select"] = "%02x" % sw3
        if sw3 != 0x90:
            raise ProtocolError("select answered %02x (%s)" % (sw3, SW3_NAMES.get(sw3, "?")))

        t0 = time.monotonic()
        _, _, sw3, data, size = rd.command(READ)
        result["read_s"] = round(time.monotonic() - t0, 4)
        result["sw3"]["read"] = "%02x" % sw3
        if sw3 != 0x90:
            raise ProtocolError("read answered %02x (%s)" % (sw3, SW3_NAMES.get(sw3, "?")))
        if len(data) < 4:
            raise ProtocolError("read answer too short")
        tlen, plen = (data[0] << 8) | data[1], (data[2] << 8) | data[3]
        if tlen != 256 or plen != 1024 or len(data) != 4 + tlen + plen:
            raise ProtocolError("read answer lengths text %d photo %d in %d bytes" % (tlen, plen, len(data)))
        text = decode_text(data[4:4 + tlen])
        result["read_bytes"] = size
        result.update({k: text[k] for k in ("name", "sex", "nation", "birth", "id_number", "authority",
                                            "valid_from", "valid_to")})
        result["card_type_flag"] = text["card_type_flag"]
        result["id_valid"] = id_number_valid(text["id_number"])
        if not result["id_valid"]:
            raise ProtocolError("ID number %s fails its check character" % text["id_number"])
        result["photo_bytes"] = plen
        return result
    finally:
        if args.switch_baud and not args.no_restore and result.get("baud") == args.switch_baud:
            try:  # put the reader back at the rate we found it at
                rd.ser.reset_input_buffer()
                _, _, sw3, _, _ = rd.command((0x60, BAUDS.index(args.baud)))
                result["sw3"]["restore_baud"] = "%02x" % sw3
            except Exception as e:  # reported, not fatal
                result["restore_error"] = str(e)
        result["garbage_bytes"] = rd.garbage
        rd.close()


def self_test():
    checks = 0

    def eq(got, want, what):
        nonlocal checks
        want = bytes.fromhex(want)
        if got != want:
            raise ProtocolError("%s: built %s, the spec says %s" % (what, got.hex(" "), want.hex(" ")))
        checks += 1

    spec_requests = [
        ((0x10, 0xFF), "AA AA AA 96 69 00 03 10 FF EC", "reset"),
        ((0x11, 0xFF), "AA AA AA 96 69 00 03 11 FF ED", "status"),
        ((0x12, 0xFF), "AA AA AA 96 69 00 03 12 FF EE", "SAM id"),
        ((0x20, 0x01), "AA AA AA 96 69 00 03 20 01 22", "find"),
        ((0x20, 0x02), "AA AA AA 96 69 00 03 20 02 21", "select"),
        ((0x30, 0x01), "AA AA AA 96 69 00 03 30 01 32", "read text+photo"),
        ((0x30, 0x03), "AA AA AA 96 69 00 03 30 03 30", "read appended address"),
        ((0x30, 0x10), "AA AA AA 96 69 00 03 30 10 23", "read with fingerprint"),
    ]
    for (cmd, para), want, what in spec_requests:
        eq(request(cmd, para), want, what)
    eq(response(0x90), "AA AA AA 96 69 00 04 00 00 90 94", "OK")
    eq(response(0x9F, bytes(4)), "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97", "find OK")
    eq(response(0x80), "AA AA AA 96 69 00 04 00 00 80 84", "no card")
    eq(response(0x81), "AA AA AA 96 69 00 04 00 00 81 85", "select failed")
    eq(response(0x90, bytes(8)), "AA AA AA 96 69 00 0C 00 00 90" + " 00" * 8 + " 9C", "select OK")
    eq(response(0x41), "AA AA AA 96 69 00 04 00 00 41 45", "real frame 41")
    eq(response(0x32), "AA AA AA 96 69 00 04 00 00 32 36", "real frame 32")
    values = {"name": "张三", "id_number": "110101199003076632", "valid_to": "长期"}
    text = b"".join(ucs2_field(values.get(n, ""), w) for n, w in TEXT_FIELDS)
    if ucs2_field("张三", 30)[:6] != bytes.fromhex("20 5F 09 4E 20 00"):
        raise ProtocolError("UCS-2 LE field encoding")
    read = response(0x90, bytes([0x01, 0x00, 0x04, 0x00]) + text + bytes(1024))
    eq(read[:14], "AA AA AA 96 69 05 08 00 00 90 01 00 04 00", "read-info header")
    if len(read) != 1295:
        raise ProtocolError("read-info frame of %d bytes, expected 1295" % len(read))
    sw1, sw2, sw3, data = parse_frame(read)
    decoded = decode_text(data[4:260])
    if (sw3, decoded["name"], decoded["id_number"], decoded["valid_to"]) != (0x90, "张三", "110101199003076632", "长期"):
        raise ProtocolError("read-info round trip: %r" % (decoded,))
    checks += 3
    for bad in (read[:-1] + bytes([read[-1] ^ 1]), read[:-1], b"\xAA\xAA\xAA\x96\x68" + read[5:]):
        try:
            parse_frame(bad)
        except ProtocolError:
            checks += 1
            continue
        raise ProtocolError("a damaged frame was accepted")
    if check_digit("11010519491231002") != "X" or not id_number_valid("11010519491231002X"):
        raise ProtocolError("GB 11643 check character")
    if id_number_valid("110105194912310021"):
        raise ProtocolError("a bad check character was accepted")
    checks += 2
    return {"self_test": "ok", "checks": checks}


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("port", nargs="?", help="serial port, e.g. run/kiosk-1/idcard or /dev/pts/5")
    p.add_argument("--baud", type=int, default=115200, help="the reader's current rate (default 115200)")
    p.add_argument("--switch-baud", type=int, help="switch the reader to this rate first (60 0x)")
    p.add_argument("--expect", choices=["card", "no-card"], default="card", help="card on the reader or not")
    p.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for each answer")
    p.add_argument("--no-restore", action="store_true", help="leave the reader at --switch-baud")
    p.add_argument("--self-test", action="store_true", help="check the frame building against the spec, offline")
    args = p.parse_args(argv)
    try:
        if args.self_test:
            out = self_test()
        else:
            if not args.port:
                p.error("PORT is required (or --self-test)")
            out = run(args)
    except ProtocolError as e:
        print("idcard_pyserial: protocol error: %s" % e, file=sys.stderr)
        return 1
    except Exception as e:  # the port cannot be opened, pyserial missing...
        print("idcard_pyserial: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        return 1
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

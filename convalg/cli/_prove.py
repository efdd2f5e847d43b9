"""``convalg prove``: prove or refute convolution identities and named laws, symbolically.

Exit status: 0 every statement proved, 1 one refuted, 3 one undecided (and none refuted),
2 a malformed statement (the message gives the position). With ``--all`` or ``--notes``:
0 when every verdict is the one convalg expects, 1 when one differs, 3 when one is undecided.
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "prove",
        help="prove or refute convolution identities (sympy), e.g. convalg prove 'f*g == g*f'",
        description=(
            "Prove or refute identities of finitely supported sequences of any length. A STATEMENT "
            "is either a law name (see --list) or an identity such as 'f*(g+h) == f*g + f*h' with "
            "*, corr(a,b), circ(a,b,N), conv(a,b,mode=\"same\"), down(a,s), shift(a,k), flip(a), "
            "conj(a), delta, dft(a,N), hadamard(a,b), scalars alpha, beta and numbers."
        ),
        epilog="Exit status: 0 all proved, 1 one refuted, 3 one undecided, 2 malformed statement.",
    )
    parser.add_argument("statements", nargs="*", metavar="STATEMENT", help="identities or law names")
    parser.add_argument("--operator", choices=("convolution", "correlation", "circular"), default="convolution",
                        help="the operator a law name refers to (default: convolution)")
    parser.add_argument("--dims", type=int, choices=(1, 2), default=1, help="sequences on Z (1) or Z^2 (2)")
    parser.add_argument("--all", action="store_true", help="every named law, every operator, 1-D and 2-D")
    parser.add_argument("--notes", action="store_true", help="the verdicts on the lecture notes' claims")
    parser.add_argument("--list", action="store_true", help="list the named laws")
    parser.add_argument("--format", choices=("text", "markdown", "latex"), default="text")
    parser.add_argument("--no-certificate", action="store_true", help="skip the exhaustive symbolic check")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from convalg.symbolic import laws
    from convalg.symbolic.decide import battery, check, prove_law
    from convalg.symbolic.language import StatementError
    from convalg.symbolic.render import render_document, render_verdict

    certify = not args.no_certificate
    if args.list:
        for law in laws.LAWS:
            print(f"{law.operator:12s} {law.name:36s} {law.expected:8s} {law.summary}")
        return 0
    if args.notes:
        from convalg.symbolic.notes import audit, render_audit

        rows = audit()
        print(render_audit(rows, args.format), end="")
        statuses = [row.status for row in rows]
        if any(row.status != row.expected for row in rows if row.status != "skipped"):
            return 1
        return 3 if "unknown" in statuses else 0
    if args.all:
        results = battery(certify=certify)
        print(render_document(results, args.format), end="")
        if any(v.status == "unknown" for _, _, v, _ in results):
            return 3
        return 0 if all(v.status == law.expected for law, _, v, _ in results) else 1
    if not args.statements:
        print("convalg prove: give a STATEMENT, a law name, --all, --notes or --list", file=sys.stderr)
        return 2
    verdicts = []
    for text in args.statements:
        try:
            if text in laws.names(args.operator):
                verdict = prove_law(text, args.operator, args.dims, certify=certify)
            else:
                verdict = check(text, args.dims, certify=certify)
        except StatementError as error:
            print(f"convalg prove: malformed statement: {error}", file=sys.stderr)
            return 2
        verdicts.append(verdict)
        print(render_verdict(verdict, args.format))
    statuses = {v.status for v in verdicts}
    if "refuted" in statuses:
        return 1
    return 3 if "unknown" in statuses else 0

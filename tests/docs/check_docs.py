#!/usr/bin/env python3
"""Checks that the README says what the code does, for the classes of drift
that have happened before (issue 17):

* every RPC of the contract (proto/identity/v1/identity.proto) has a row in the
  README's API table;
* every flag identityd defines (ABSL_FLAG in server/) is named in the README;
* every folder of server/ is named in the README's "How it is built";
* every folder of tests/ is described in tests/CMakeLists.txt's layout comment.

Exit status 1 with one line per problem; 0 when all agree.
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
readme = (root / "README.md").read_text()
problems = []

proto = (root / "proto/identity/v1/identity.proto").read_text()
for rpc in re.findall(r"^\s*rpc\s+(\w+)\s*\(", proto, re.M):
    if not re.search(r"^\|\s*`%s`\s*\|" % rpc, readme, re.M):
        problems.append("README.md, The API: no table row for the RPC %s" % rpc)

flags = set()
for source in (root / "server").rglob("*.cc"):
    flags.update(re.findall(r"ABSL_FLAG\(\s*[^,]+,\s*(\w+)\s*,", source.read_text()))
for flag in sorted(flags):
    if not re.search(r"--%s\b" % re.escape(flag), readme):
        problems.append("README.md: identityd's flag --%s is not named" % flag)

built = readme.split("## How it is built", 1)[-1].split("\n## ", 1)[0]
for folder in sorted(p.name for p in (root / "server").iterdir() if p.is_dir()):
    if "server/%s/" % folder not in built:
        problems.append("README.md, How it is built: the folder server/%s/ is not named" % folder)

layout = (root / "tests/CMakeLists.txt").read_text().split("add_subdirectory", 1)[0]
for folder in sorted(p.name for p in (root / "tests").iterdir() if p.is_dir()):
    if not re.search(r"^#\s+%s/" % re.escape(folder), layout, re.M):
        problems.append("tests/CMakeLists.txt: the layout comment does not describe tests/%s/"
                        % folder)

for problem in problems:
    print(problem)
print("docs consistency: %d problem(s)" % len(problems))
sys.exit(1 if problems else 0)

#!/usr/bin/env bash
# A newcomer's first minutes: copy the tree (no database, no .env), `make run` on a free port
# with no DATABASE_URL/REDIS_URL, wait for the sign-in page, sign in as the demo consultant.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
run_pid=""
cleanup() {
  if [ -n "$run_pid" ]; then kill -- -"$run_pid" 2>/dev/null || true; sleep 2; fi
  rm -rf "$work"
}
trap cleanup EXIT
git -C "$src" ls-files -z | (cd "$src" && xargs -0 cp --parents -t "$work")
cp -a "$src/.venv" "$work/.venv" 2>/dev/null || true  # saves time; make still syncs it
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cd "$work"
set -m
env -u DATABASE_URL -u REDIS_URL PORT="$port" make run >"$work/run.log" 2>&1 &
run_pid=$!
set +m
# A first `make run` installs, migrates and seeds before it serves: give it up to 10 minutes on a
# busy machine, but stop waiting as soon as it has died.
started=$SECONDS
code=000
while [ $((SECONDS - started)) -lt 600 ]; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/accounts/login/" || true)
  [ "$code" = 200 ] && break
  kill -0 "$run_pid" 2>/dev/null || { echo "make run exited before serving"; break; }
  sleep 1
done
if [ "$code" != 200 ]; then
  echo "make run did not serve the sign-in page (last status: $code)"; tail -n 60 "$work/run.log"; exit 1
fi
echo "make run served the sign-in page after $((SECONDS - started)) s"
.venv/bin/python - "$port" <<'PY'
import re, sys, urllib.parse, urllib.request, http.cookiejar
base = f"http://127.0.0.1:{sys.argv[1]}"
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
page = opener.open(base + "/accounts/login/").read().decode()
assert "Connexion" in page, "the sign-in page is not in French"
token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "login": "consultant@cap-avenir.test",
                               "password": "passerelle-demo"}).encode()
request = urllib.request.Request(base + "/accounts/login/", data=data, headers={"Referer": base + "/accounts/login/"})
response = opener.open(request)
body = response.read().decode()
assert response.url.endswith("/tableau-de-bord/"), f"landed on {response.url}"
assert "Mon portefeuille" in body
print("newcomer path: sign-in page served, demo consultant reached", response.url)
PY

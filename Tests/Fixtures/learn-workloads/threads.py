# Python threads and a subprocess (sh, wc).
import threading, subprocess
out = []
lock = threading.Lock()
def work(i):
    s = sum(range(10000 * i))
    with lock:
        out.append(s)
ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
for t in ts: t.start()
for t in ts: t.join()
r = subprocess.run(["sh", "-c", "echo from-child; wc -c < /etc/hostname > /dev/null"], capture_output=True, text=True)
print(sorted(out), r.stdout.strip(), r.returncode)

# 20 000 ordinary calls, then a grandchild makes one call nothing else makes (sync).
import os
for _ in range(20000):
    os.getppid()
pid = os.fork()
if pid == 0:
    g = os.fork()
    if g == 0:
        os.sync()
        os._exit(0)
    os.waitpid(g, 0)
    os._exit(0)
os.waitpid(pid, 0)
print("done")

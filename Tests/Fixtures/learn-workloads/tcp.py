# A loopback TCP server (a thread) and client.
import socket, threading
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind(("127.0.0.1", 0))
srv.listen(1)
def serve():
    c, _ = srv.accept()
    data = c.recv(100)
    c.sendall(data.upper())
    c.close()
t = threading.Thread(target=serve)
t.start()
cli = socket.create_connection(srv.getsockname())
cli.sendall(b"hello over loopback")
print(cli.recv(100).decode())
cli.close()
t.join()
srv.close()

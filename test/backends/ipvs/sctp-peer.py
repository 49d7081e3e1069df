# SCTP server (serve PORT...) or client (probe HOST PORT) for the firewall check in the kernel VM.
import socket, sys, threading
def serve(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(8)
    while True:
        c, _ = s.accept(); c.sendall(b"hello %d\n" % port); c.close()
if sys.argv[1] == "serve":
    for p in sys.argv[2:]:
        threading.Thread(target=serve, args=(int(p),), daemon=False).start()
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
    s.settimeout(3)
    try:
        s.connect((sys.argv[2], int(sys.argv[3]))); print(s.recv(64).decode().strip())
    except Exception as e:
        print("failed: %s" % e.__class__.__name__)

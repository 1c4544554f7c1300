#!/usr/bin/env python3
"""A lean HTTP receiver of notifications for the benches (python3 stdlib only).

It listens on 127.0.0.1 (a free port, written to the file given as the first argument) and
answers every request `200` with an empty body, keeping connections alive (HTTP/1.1); it records
nothing. The tests' scripted receiver (tests/runtime/service/notification_receiver.py) is a
threaded `http.server` that parses, records and can check signatures: on the benches' two cores
its own CPU per request would be counted against the service, which a real receiver on another
machine never is. This one costs a few tens of microseconds a request on one asyncio loop.

`GET /_count` answers the number of requests received so far (plain text).
"""
import asyncio
import os
import sys

received = 0


class Sink(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        self.buffer = b""

    def data_received(self, data):
        global received
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip() or 0)
            if len(self.buffer) < end + 4 + length:
                return  # the body is still coming
            self.buffer = self.buffer[end + 4 + length:]
            if head.startswith("GET /_count"):
                body = str(received).encode()
            else:
                received += 1
                body = b""
            self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))


async def main(port_file):
    server = await asyncio.get_running_loop().create_server(Sink, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    # Written whole, then renamed: a reader never sees half a port number.
    with open(port_file + ".tmp", "w") as f:
        f.write(f"{port}\n")
    os.replace(port_file + ".tmp", port_file)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))

"""The forwarder that ``socketio.ZmqManager`` needs: PULL on one port, PUB on another.

ZeroMQ has no broker, so the servers and emitters sharing a ``ZmqManager``
channel push their messages to this small program, which publishes every
frame it receives to all of them. Run it once, next to the servers::

    python examples/zmq_forwarder.py --sink-port 5555 --pub-port 5556

and give the managers ``socketio.ZmqManager('zmq+tcp://localhost:5555+5556')``.
"""
import argparse

import zmq


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--host', default='127.0.0.1', help='address to bind (default %(default)s)')
    parser.add_argument('--sink-port', type=int, default=5555,
                        help='port receiving the managers\' messages (PULL)')
    parser.add_argument('--pub-port', type=int, default=5556,
                        help='port publishing them to every manager (PUB)')
    args = parser.parse_args(argv)
    context = zmq.Context()
    sink = context.socket(zmq.PULL)
    sink.bind(f'tcp://{args.host}:{args.sink_port}')
    publisher = context.socket(zmq.PUB)
    publisher.bind(f'tcp://{args.host}:{args.pub_port}')
    print(f'forwarding tcp://{args.host}:{args.sink_port} -> tcp://{args.host}:{args.pub_port}',
          flush=True)
    try:
        zmq.proxy(sink, publisher)
    except KeyboardInterrupt:
        pass
    finally:
        sink.close(linger=0)
        publisher.close(linger=0)
        context.term()


if __name__ == '__main__':
    main()

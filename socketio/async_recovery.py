"""Connection state recovery on the asyncio server: what sends, waits or
stores (the rules are in ``base_recovery.py``)."""
# The source of socketio/recovery.py (scripts/unasync.py).  # async-only
from __future__ import annotations

from typing import Any, List, Optional, Tuple

from . import packet
from .base_recovery import Recovery, Session, split_auth

#: what a server without a shared session store keeps as its store
_NO_STORE = object()


class AsyncServerRecovery:
    """The part of :class:`~socketio.AsyncServer` that recovers the sessions
    of clients coming back after a temporary disconnection."""

    _recovery: Optional[Recovery]
    manager: Any
    eio: Any
    logger: Any
    packet_class: Any
    always_connect: bool
    _send_packet: Any
    _send_eio_packet: Any
    reason: Any

    def is_recovered(self, sid: str, namespace: Optional[str] = None) -> bool:
        """Tell whether a connected client recovered its session (its sid,
        rooms, user session and missed events) after a temporary
        disconnection; true from the connect handler on."""
        return self._recovery is not None and self._recovery.is_recovered(namespace or '/',
                                                                          sid)

    # -- connecting -----------------------------------------------------------------
    async def _take_session(self, namespace: str, auth: Any) -> Tuple[Any, Optional[Session]]:
        """Split a CONNECT payload into the auth data and the kept session it
        asks to recover (None when there is none, it expired, or events it
        missed are no longer in the log)."""
        auth, pid, offset = split_auth(auth)
        recovery = self._recovery
        if pid is None or recovery is None:
            return auth, None
        session = recovery.take(pid, namespace)
        if session is None and await self._end_old_connection(pid, namespace):
            session = recovery.take(pid, namespace)
        if session is None:
            store = self._session_store()
            if store is not None:
                try:
                    session = Recovery.from_record(await store.take(pid), namespace)
                except Exception as exc:
                    self.logger.warning('Cannot read a session to recover from %s: %s',
                                        store.name, exc)
        if session is not None and not recovery.locate(session, offset):
            self.logger.info('Session of %s [%s] not recovered: events it missed are no '
                             'longer kept', session.sid, namespace)
            session = None
        return auth, session

    async def _end_old_connection(self, pid: str, namespace: str) -> bool:
        """A client comes back before its old connection was seen to end (a
        network drop is only noticed at the next ping, later still over
        long-polling): its private session id proves it is the same client,
        so the old connection is closed as if its transport had, and its
        session kept. True when there was one."""
        sid = self._recovery.live(pid, namespace)  # type: ignore[union-attr]
        eio_sid = None if sid is None else self.manager.eio_sid_from_sid(sid, namespace)
        eio_socket = None if eio_sid is None else self.eio.sockets.get(eio_sid)
        if eio_socket is None:
            return False
        self.logger.info('%s [%s] is back on a new connection: closing the old one', sid,
                         namespace)
        await eio_socket.close(wait=False, abort=True, reason=self.reason.TRANSPORT_CLOSE)
        return True

    async def _pre_connect(self, eio_sid: str, namespace: str, session: Optional[Session]
                           ) -> Tuple[Optional[str], Optional[Session]]:
        """Admit a client (see ``manager.pre_connect``) and return its sid and
        the session it recovers: its sid, rooms and user session are back
        (not when that sid is in use again: then None)."""
        if session is None or self.manager.eio_sid_from_sid(session.sid, namespace) is not None:
            return await self.manager.pre_connect(eio_sid, namespace), None
        sid = await self.manager.pre_connect(eio_sid, namespace, sid=session.sid)
        if sid is None:
            return None, None
        self._recovery.connected(namespace, sid, session.pid)  # type: ignore[union-attr]
        for room in session.rooms:
            try:
                await self.manager.enter_room(sid, namespace, room)
            except (ValueError, TypeError):  # another client's sid now, or not a name
                pass
        if session.data is not None:
            eio_session = await self.eio.get_session(eio_sid)
            eio_session[namespace] = session.data
        return sid, session

    def _accept_first(self, session: Optional[Session]) -> bool:
        """Whether a client is connected before its connect handler runs:
        with ``always_connect``, and when it recovers a session with
        ``skip_middlewares`` (its handler may still refuse it: it is then
        disconnected)."""
        return self.always_connect or (session is not None and self._recovery is not None
                                       and self._recovery.options.skip_middlewares)

    async def _accept(self, eio_sid: str, sid: str, namespace: str,
                      session: Optional[Session] = None) -> None:
        """Send the CONNECT reply and connect the client; with recovery the
        reply carries its private session id, and a recovered client gets
        the events it missed first."""
        recovery = self._recovery
        if recovery is None:
            await self._send_packet(eio_sid, self.packet_class(
                packet.CONNECT, {'sid': sid}, namespace=namespace))
            await self.manager.connect(sid, namespace)
            return
        if session is None:
            pid = recovery.pid(namespace, sid) or recovery.connected(namespace, sid)
            await self._send_packet(eio_sid, self.packet_class(
                packet.CONNECT, {'sid': sid, 'pid': pid}, namespace=namespace))
            recovery.started(namespace, sid)
            await self.manager.connect(sid, namespace)
            return
        with recovery.lock:  # no event logged meanwhile: none is missed or sent twice
            missed = recovery.missed(session)
            pid = session.pid
            if missed is None:
                self.logger.warning('Session of %s [%s] not recovered: events it missed were '
                                    'dropped meanwhile', sid, namespace)
                pid, missed = recovery.not_recovered(namespace, sid), []
            await self._send_packet(eio_sid, self.packet_class(
                packet.CONNECT, {'sid': sid, 'pid': pid}, namespace=namespace))
            for eio_pkt in missed:
                await self._send_eio_packet(eio_sid, eio_pkt)
            recovery.started(namespace, sid)
            await self.manager.connect(sid, namespace)

    # -- disconnecting ------------------------------------------------------------------
    async def _capture_sessions(self, eio_sid: str, reason: Any) -> List[Session]:
        """The sessions of a connection that ended, if its reason keeps them
        (taken before the disconnect handlers run, as the JavaScript server
        does)."""
        recovery = self._recovery
        if recovery is None or not recovery.keeps(reason):
            return []
        sessions = []
        for namespace in list(self.manager.get_namespaces()):
            sid = self.manager.sid_from_eio_sid(eio_sid, namespace)
            if sid is None or not self.manager.is_connected(sid, namespace):
                continue
            try:
                data = (await self.eio.get_session(eio_sid)).get(namespace)
            except KeyError:
                data = None
            session = recovery.capture(namespace, sid, self.manager.get_rooms(sid, namespace),
                                       data)
            if session is not None:
                sessions.append(session)
        return sessions

    async def _keep_sessions(self, sessions: List[Session]) -> None:
        """Keep the sessions of a connection that ended, once its clients
        left their namespaces: in the shared store when the manager has one
        (any process of the cluster can then recover them), else here."""
        recovery = self._recovery
        if recovery is None:
            return
        store = self._session_store() if sessions else None
        for session in sessions:
            if store is not None:
                record = recovery.to_record(session)
                if record is not None:
                    try:
                        await store.save(session.pid, record,
                                         recovery.options.max_disconnection_duration)
                        continue
                    except Exception as exc:
                        self.logger.warning('Cannot keep a session in %s (%s): kept in this '
                                            'process only', store.name, exc)
            recovery.keep(session)

    def _session_store(self) -> Any:
        """The shared store of kept sessions: Redis with the Redis managers,
        else None."""
        store = self.__dict__.get('_recovery_store', _NO_STORE)
        if store is _NO_STORE:
            from .async_redis_manager import AsyncRedisManager
            store = None
            if isinstance(self.manager, AsyncRedisManager):
                store = AsyncRedisSessions(self.manager)
            self.__dict__['_recovery_store'] = store
        return store


class AsyncRedisSessions:
    """The sessions of disconnected clients of a cluster on Redis: one key
    per session, named after the channel and the private session id, that
    expires after the recovery window and is deleted when taken."""

    name = 'Redis'

    def __init__(self, manager: Any) -> None:
        self.manager = manager
        self.prefix = f'{manager.channel}#recovery#'

    def _client(self) -> Any:
        if self.manager.redis is None:
            self.manager._redis_connect()
        return self.manager.redis

    async def save(self, pid: str, record: str, ttl: float) -> None:
        """Store a session for ``ttl`` seconds."""
        await self._client().set(self.prefix + pid, record, px=max(1, int(ttl * 1000)))

    async def take(self, pid: str) -> Any:
        """Remove and return the record of a session (None if there is none)."""
        client = self._client()
        key = self.prefix + pid
        try:
            return await client.getdel(key)
        except Exception as exc:
            if 'unknown command' not in str(exc).lower():
                raise
        pipe = client.pipeline(transaction=True)  # Redis before 6.2: no GETDEL
        pipe.get(key)
        pipe.delete(key)
        record, _ = await pipe.execute()
        return record

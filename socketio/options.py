"""Constructor option handling shared by servers and clients."""
from __future__ import annotations

import logging
from typing import Any, Dict, Optional, Type, Union

from . import packet


def select_logger(logger: Union[bool, Any], default_logger: logging.Logger) -> Any:
    """Return the logger to use for a ``logger`` constructor argument.

    A non-boolean value is used as given. ``True`` or ``False`` select
    ``default_logger``, set to INFO or ERROR (with a stream handler) only if
    the application has not configured its level already.
    """
    if not isinstance(logger, bool):
        return logger
    if default_logger.level == logging.NOTSET:
        default_logger.setLevel(logging.INFO if logger else logging.ERROR)
        default_logger.addHandler(logging.StreamHandler())
    return default_logger


def select_packet_class(serializer: Union[str, Type[packet.Packet]]) -> Type[packet.Packet]:
    """Return the packet class for ``'default'``, ``'msgpack'`` or a class."""
    if serializer == 'default':
        return packet.Packet
    if serializer == 'msgpack':
        from . import msgpack_packet
        return msgpack_packet.MsgPackPacket
    if isinstance(serializer, type) and issubclass(serializer, packet.Packet):
        return serializer
    raise ValueError(f'Invalid serializer: {serializer!r}')


def engineio_options(kwargs: Dict[str, Any], json: Optional[Any],
                     packet_class: Type[packet.Packet]) -> Dict[str, Any]:
    """Turn leftover keyword arguments into Engine.IO options.

    ``engineio_logger`` becomes Engine.IO's ``logger``; a custom ``json``
    module replaces the packet codec's JSON module process-wide and is also
    handed to Engine.IO.
    """
    options = kwargs
    engineio_logger = options.pop('engineio_logger', None)
    if engineio_logger is not None:
        options['logger'] = engineio_logger
    if json is not None:
        packet_class.json = json
        options['json'] = json
    return options

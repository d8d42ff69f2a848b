"""Native twins of flow methods: the same source, without a driver.

A :func:`~socketio.trampoline.flow_method` is written once, as a generator
that yields ``call(...)`` steps. Driving it costs a generator frame per
nesting level and a driver loop per step, which matters on the per-message
path. So each shell class (sync or asyncio) gets, for every flow method it
inherits, a plain method compiled from the very same source by rewriting the
three step forms:

* ``yield call(f, *args)`` and ``yield from call_flow(f, *args)`` become
  ``f(*args)`` in sync classes, and in asyncio classes the same call whose
  result is awaited when it is awaitable (what ``run_async`` does);
* ``yield from <other flow>`` becomes ``run(<other flow>)`` /
  ``await run_async(<other flow>)``.

The generated code keeps the original file name and line numbers, so
tracebacks point at the flow's source. A flow using anything else (another
kind of ``yield``, ``super()``, closures), or whose source cannot be read,
is not compiled and keeps running through its driver.
"""
from __future__ import annotations

import ast
import inspect
import textwrap
from types import FunctionType
from typing import Any, Callable, Dict, Optional, Tuple

from . import trampoline

#: names the generated code uses, put into the flow's module globals
HELPERS = {
    '_flow_awaitable_': inspect.isawaitable,
    '_flow_coroutine_': trampoline.CoroutineType,
    '_flow_plain_': trampoline.PLAIN,
    '_flow_type_': type,  # not ``type``, which a flow's module might shadow
    '_flow_run_': trampoline.run,
    '_flow_run_async_': trampoline.run_async,
}


class Unsupported(Exception):
    """The flow uses a construct the compiler does not rewrite."""


def _is_call_to(node: ast.AST, name: str) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == name)


class _Rewriter(ast.NodeTransformer):
    def __init__(self, is_async: bool) -> None:
        self.is_async = is_async
        self.temps = 0

    def _step(self, node: ast.AST, step: ast.Call) -> ast.AST:
        """``fn(*args)`` from ``call(fn, *args)``, awaited if need be."""
        if not step.args or any(isinstance(a, ast.Starred) for a in step.args[:1]):
            raise Unsupported('step without a callable')
        direct = ast.Call(func=step.args[0], args=step.args[1:], keywords=step.keywords)
        if not self.is_async:
            return ast.copy_location(direct, node)
        # trampoline.must_await inlined (no call for the usual results):
        # (await _t) if _flow_type_(_t := fn(*args)) is _flow_coroutine_ or (
        #     _flow_type_(_t) not in _flow_plain_ and _flow_awaitable_(_t)) else _t
        self.temps += 1
        temp = f'_flow_t{self.temps}_'

        def load(name: str) -> ast.Name:
            return ast.Name(name, ast.Load())

        kind = ast.Call(func=load('_flow_type_'), args=[load(temp)], keywords=[])
        is_coroutine = ast.Compare(
            left=ast.Call(func=load('_flow_type_'), args=[ast.NamedExpr(
                target=ast.Name(temp, ast.Store()), value=direct)], keywords=[]),
            ops=[ast.Is()], comparators=[load('_flow_coroutine_')])
        maybe_awaitable = ast.BoolOp(op=ast.And(), values=[
            ast.Compare(left=kind, ops=[ast.NotIn()], comparators=[load('_flow_plain_')]),
            ast.Call(func=load('_flow_awaitable_'), args=[load(temp)], keywords=[])])
        return ast.copy_location(ast.IfExp(
            test=ast.BoolOp(op=ast.Or(), values=[is_coroutine, maybe_awaitable]),
            body=ast.Await(value=load(temp)), orelse=load(temp)), node)

    def visit_Yield(self, node: ast.Yield) -> ast.AST:
        if node.value is not None and _is_call_to(node.value, 'call'):
            return self._step(node, self.visit(node.value))
        raise Unsupported('yield of something else than call(...)')

    def visit_YieldFrom(self, node: ast.YieldFrom) -> ast.AST:
        value = self.visit(node.value)
        if _is_call_to(value, 'call_flow'):
            return self._step(node, value)
        if not self.is_async:
            return ast.copy_location(ast.Call(
                func=ast.Name('_flow_run_', ast.Load()), args=[value], keywords=[]), node)
        return ast.copy_location(ast.Await(value=ast.Call(
            func=ast.Name('_flow_run_async_', ast.Load()), args=[value], keywords=[])), node)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id == 'super':
            raise Unsupported('super() needs the class cell')
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        raise Unsupported('nested function')

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        raise Unsupported('lambda')


def compile_flow(make_flow: Callable[..., Any], is_async: bool) -> Optional[FunctionType]:
    """A plain (or ``async``) function doing what driving ``make_flow``'s
    flow does, or None when the flow cannot be compiled."""
    func = inspect.unwrap(make_flow)
    if not isinstance(func, FunctionType) or func.__code__.co_freevars:
        return None
    try:
        lines, first = inspect.getsourcelines(func)
        filename = inspect.getsourcefile(func) or func.__code__.co_filename
    except (OSError, TypeError):
        return None
    try:
        tree = ast.parse(textwrap.dedent(''.join(lines)))
    except SyntaxError:
        return None
    ast.increment_lineno(tree, first - 1)
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.FunctionDef):
        return None
    fdef = tree.body[0]
    rewriter = _Rewriter(is_async)
    try:
        body = [rewriter.visit(stmt) for stmt in fdef.body]
    except Unsupported:
        return None
    for arg in (fdef.args.posonlyargs + fdef.args.args + fdef.args.kwonlyargs
                + [fdef.args.vararg, fdef.args.kwarg]):
        if arg is not None:
            arg.annotation = None
    new_def: Any = (ast.AsyncFunctionDef if is_async else ast.FunctionDef)(
        name=fdef.name, args=fdef.args, body=body, decorator_list=[], returns=None,
        type_comment=None)
    if hasattr(fdef, 'type_params'):  # Python 3.12+
        new_def.type_params = fdef.type_params
    ast.copy_location(new_def, fdef)
    module = ast.Module(body=[new_def], type_ignores=[])
    ast.fix_missing_locations(module)
    namespace = func.__globals__
    for name, helper in HELPERS.items():
        namespace.setdefault(name, helper)
    code = compile(module, filename, 'exec')
    local: dict = {}
    exec(code, namespace, local)  # noqa: S102 - our own source, rewritten
    native = local[fdef.name]
    native.__qualname__ = func.__qualname__
    native.__module__ = func.__module__
    native.__doc__ = func.__doc__
    native.__wrapped_flow__ = make_flow
    return native


_compiled: Dict[Tuple[Callable[..., Any], bool], Optional[FunctionType]] = {}


def install_native_flows(cls: type) -> None:
    """Give a shell class (one that sets ``_run`` itself) the native twin of
    every flow method it has and does not override with something else."""
    is_async = cls._run is trampoline.run_async  # type: ignore[attr-defined]
    for name in dir(cls):
        method = getattr(cls, name, None)
        if not isinstance(method, FunctionType):
            continue
        make_flow = trampoline._FLOW_METHODS.get(method)
        if make_flow is None:
            continue
        if (getattr(method, '__wrapped_flow__', None) is not None
                and inspect.iscoroutinefunction(method) == is_async):
            continue  # already the right native twin
        key = (make_flow, is_async)
        if key not in _compiled:
            _compiled[key] = compile_flow(make_flow, is_async)
        native = _compiled[key]
        if native is not None:
            setattr(cls, name, native)
            trampoline._FLOW_METHODS[native] = make_flow


class NativeFlowShells:
    """Mixin: a subclass that sets ``_run`` itself (a sync or asyncio shell)
    gets the native twins of its flow methods when it is created."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if '_run' in cls.__dict__:
            install_native_flows(cls)

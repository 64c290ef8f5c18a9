"""revscoring's parse of a text, with the tree's most frequent objects made directly.

``parsed._process_wikicode`` is ``mwparserfromhell.parse(text)``: for a ``str`` that is
``Parser().parse(text, 0, False)``, the C tokenizer's token list handed to a ``Builder``.
Most of the builder's time goes to making ``Text`` nodes, the ``Wikicode`` around every
node list, wikilinks, templates and their parameters, each through a constructor whose
property setters pass every Wikicode through ``parse_anything`` (which imports four modules
on each call only to return a Wikicode as it is). :func:`parse_text` runs the same tokenizer
with a builder that makes those five directly, with the state the constructors leave
(``Node`` and ``StringMixIn`` have no ``__init__``; ``parse_anything`` of a Wikicode is that
Wikicode):

* ``Text(token.text)``: ``_value = str(token.text)`` (a token's missing attribute reads as
  ``None``: its ``__getattr__`` is ``dict.get``);
* ``Wikicode(SmartList(nodes))``: ``_nodes`` that SmartList;
* ``Wikilink(title[, text])``: ``_title``, ``_text`` (``None`` without a separator; after
  several separators, as the stock handler does, the last one splits title and text);
* ``Template(name, params)``: ``_name``, ``_params`` (a new empty list when none);
* ``Parameter(key, value, showkey)``: ``_name``, ``_value``, ``_showkey`` as a bool, after
  the same ``can_hide_key`` check (and ``ValueError``) for a hidden key; a positional key is
  made by the stock constructors, numbered as the stock handler numbers it.

The token sequence is consumed in the same order, and every other token goes to the stock
handler (which calls back into this builder for the tokens nested in it), so the tree has
the same nodes, of the same classes, in the same places; ``tests/test_fast_features.py``
compares the trees node by node, attribute by attribute.
"""

from __future__ import annotations

from typing import Any

from mwparserfromhell.nodes import Template, Text, Wikilink
from mwparserfromhell.nodes.extras import Parameter
from mwparserfromhell.parser import Parser, ParserError
from mwparserfromhell.parser import tokens as parser_tokens
from mwparserfromhell.parser.builder import Builder
from mwparserfromhell.smart_list import SmartList
from mwparserfromhell.wikicode import Wikicode
from revscoring.features.wikitext.datasources import parsed

_T = parser_tokens
_TEXT_TOKEN = _T.Text
_new_text = Text.__new__
_new_wikicode = Wikicode.__new__
_new_wikilink = Wikilink.__new__
_new_template = Template.__new__
_new_parameter = Parameter.__new__
_stock_handle_token = Builder._handle_token


class _DirectBuilder(Builder):
    def _pop(self) -> Wikicode:
        code = _new_wikicode(Wikicode)
        code._nodes = SmartList(self._stacks.pop())
        return code

    def _handle_token(self, token: Any) -> Any:
        kind = type(token)
        if kind is _TEXT_TOKEN:
            node = _new_text(Text)
            node._value = str(token.get("text"))
            return node
        if kind is _T.WikilinkOpen:
            return self._wikilink()
        if kind is _T.TemplateOpen:
            return self._template()
        return _stock_handle_token(self, token)

    def _until(self, stops: tuple) -> Any:
        """Build nodes into the current list until a token of a ``stops`` class; return
        that token."""
        pending = self._tokens
        write = self._stacks[-1].append
        while pending:
            token = pending.pop()
            if type(token) in stops:
                return token
            write(self._handle_token(token))
        return None

    def _wikilink(self) -> Wikilink:
        """``Wikilink(title)`` / ``Wikilink(title, text)``: the setters store each Wikicode
        as it is (``parse_anything`` of a Wikicode is itself) as ``_title`` / ``_text``."""
        stops = (_T.WikilinkSeparator, _T.WikilinkClose)
        title = None
        self._push()
        stop = self._until(stops)
        while type(stop) is _T.WikilinkSeparator:  # the stock handler: each one re-titles
            title = self._pop()
            self._push()
            stop = self._until(stops)
        if stop is None:
            raise ParserError("_handle_wikilink() missed a close token")
        node = _new_wikilink(Wikilink)
        if title is None:
            node._title = self._pop()
            node._text = None
        else:
            node._title = title
            node._text = self._pop()
        return node

    def _template(self) -> Template:
        """``Template(name, params)``: ``_name`` the name's Wikicode, ``_params`` the list
        of parameters (a new empty list when there are none)."""
        self._push()
        stop = self._until((_T.TemplateParamSeparator, _T.TemplateClose))
        name = self._pop()
        params: list = []
        default = 1
        while type(stop) is _T.TemplateParamSeparator:
            param, stop = self._parameter(default)
            params.append(param)
            if not param._showkey:
                default += 1
        if stop is None:
            raise ParserError("_handle_template() missed a close token")
        node = _new_template(Template)
        node._name = name
        node._params = params
        return node

    def _parameter(self, default: int) -> tuple[Parameter, Any]:
        """``Parameter(key, value, showkey)``: ``_name``, ``_value`` as given, ``_showkey``
        the bool, after the same ``can_hide_key`` check for a hidden key."""
        stops = (_T.TemplateParamEquals, _T.TemplateParamSeparator, _T.TemplateClose)
        key = None
        showkey = False
        self._push()
        stop = self._until(stops)
        while type(stop) is _T.TemplateParamEquals:  # the stock handler: each one re-keys
            key = self._pop()
            showkey = True
            self._push()
            stop = self._until(stops)
        if stop is None:
            raise ParserError("_handle_parameter() missed a close token")
        value = self._pop()
        if key is None:
            key = Wikicode(SmartList([Text(str(default))]))
        if not showkey and not Parameter.can_hide_key(key):
            raise ValueError("parameter key {!r} cannot be hidden".format(key))
        node = _new_parameter(Parameter)
        node._name = key
        node._value = value
        node._showkey = showkey
        return node, stop


def parse_text(text: Any) -> Wikicode:
    """``parsed._process_wikicode(text)`` (see the module's docstring)."""
    if type(text) is not str:
        return parsed._process_wikicode(text)
    parser = Parser()
    parser._builder = _DirectBuilder()
    return parser.parse(text)

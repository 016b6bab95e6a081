"""A footer that is built again only when the keys it shows change."""

from __future__ import annotations

from collections.abc import Hashable

from textual.widgets import Footer


class KeysFooter(Footer):
    """Textual's footer, minus the rebuilds that change nothing.

    Textual's footer rebuilds all its keys (a dozen widgets, each styled on its
    own) every time it hears the bindings may have changed, and it hears that
    twice for each change of focus. When a big call ended and its results took
    the focus, those two rebuilds were 20 to 40 ms of a frame gap. This footer
    notes what it shows and skips a rebuild that would show the same keys.
    """

    def __init__(self, *, compact: bool = False, show_command_palette: bool = True) -> None:
        super().__init__(compact=compact, show_command_palette=show_command_palette)
        self._shown: Hashable | None = None

    def _keys_shown(self) -> Hashable:
        """What :meth:`compose` would draw: each shown binding and its state."""
        keys = tuple(
            (binding.key, binding.action, binding.description, binding.group, enabled,
             tooltip)
            for _, binding, enabled, tooltip in self.screen.active_bindings.values()
            if binding.show)
        return keys, self.compact, self.show_command_palette

    async def recompose(self) -> None:
        """Rebuild the keys, if they are not the ones on show."""
        if not self.is_attached:
            return
        shown = self._keys_shown()
        if shown == self._shown:
            return
        self._shown = shown
        await super().recompose()

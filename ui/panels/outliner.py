"""Outliner: the people (visibility checkbox, rename by double-click) and their joint trees."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets
from PySide6.QtCore import Qt

from posestudio.scene.edits import SetPersonField
from posestudio.skeletons import SMPLX_JOINT_NAMES, SMPLX_PARENTS

from ..document import Document
from .common import blocked

ROLE = Qt.ItemDataRole.UserRole


class Outliner(QtWidgets.QTreeWidget):
    def __init__(self, document: Document, parent=None) -> None:
        super().__init__(parent)
        self.doc = document
        self._items: dict[tuple[int, int], QtWidgets.QTreeWidgetItem] = {}  # (person, joint)
        self.setHeaderHidden(True)
        self.setToolTip("People and joints: click to select, double-click a person to rename, "
                        "tick to show/hide")
        self.itemSelectionChanged.connect(self._on_select)
        self.itemChanged.connect(self._on_item_changed)
        document.changed.connect(self._on_changed)
        document.selectionChanged.connect(self._on_selection)
        self.rebuild()

    def rebuild(self) -> None:
        with blocked(self):
            self._items = {}
            self.clear()
            for p, person in enumerate(self.doc.scene.people):
                top = QtWidgets.QTreeWidgetItem([person.name])
                top.setData(0, ROLE, (p, -1))
                top.setFlags(top.flags() | Qt.ItemFlag.ItemIsEditable
                             | Qt.ItemFlag.ItemIsUserCheckable)
                top.setCheckState(0, Qt.CheckState.Checked if person.visible
                                  else Qt.CheckState.Unchecked)
                self.addTopLevelItem(top)
                self._items[(p, -1)] = top
                for j, name in enumerate(SMPLX_JOINT_NAMES):      # parents come first
                    item = QtWidgets.QTreeWidgetItem(self._items[(p, SMPLX_PARENTS[j])], [name])
                    item.setData(0, ROLE, (p, j))
                    self._items[(p, j)] = item
                top.setExpanded(True)
                self._items[(p, 0)].setExpanded(True)
        self._on_selection(self.doc.person, self.doc.joint)

    def _find(self, person: int, joint: int) -> QtWidgets.QTreeWidgetItem | None:
        # a lookup, not a QTreeWidgetItemIterator walk: PySide6 never frees an iterator
        # advanced with ``+=``, so each selection change would leak one
        return self._items.get((person, joint))

    def _on_changed(self, changes) -> None:
        if (any(c.kind == "people" for c in changes)
                or self.topLevelItemCount() != len(self.doc.scene.people)):
            self.rebuild()
        elif any(c.kind == "person" and {"name", "visible"} & set(c.fields) for c in changes):
            self.refresh_people()

    def refresh_people(self) -> None:
        """Names and visibility in place. Never rebuild here: this runs inside the item's own
        ``setData`` when the user ticks a box or renames, and deleting that item crashes."""
        with blocked(self):
            for p, person in enumerate(self.doc.scene.people):
                top = self.topLevelItem(p)
                state = Qt.CheckState.Checked if person.visible else Qt.CheckState.Unchecked
                if top.text(0) != person.name:
                    top.setText(0, person.name)
                if top.checkState(0) != state:
                    top.setCheckState(0, state)

    def _on_selection(self, person: int, joint: int) -> None:
        item = self._find(person, joint)
        with blocked(self):
            self.clearSelection()
            if item is not None:
                item.setSelected(True)
                self.scrollToItem(item)

    def _on_select(self) -> None:
        items = self.selectedItems()
        if items:
            self.doc.select(*items[0].data(0, ROLE))

    def _on_item_changed(self, item: QtWidgets.QTreeWidgetItem, column: int) -> None:
        person, joint = item.data(0, ROLE)
        if joint != -1:
            return
        current = self.doc.scene.people[person]
        name = item.text(0).strip()
        visible = item.checkState(0) == Qt.CheckState.Checked
        if name and name != current.name:
            self.doc.push(SetPersonField.from_scene(self.doc.scene, person, "name", name))
        elif visible != current.visible:
            self.doc.push(SetPersonField.from_scene(self.doc.scene, person, "visible", visible))
        else:
            QtCore.QTimer.singleShot(0, self.refresh_people)   # empty name: put the old one back

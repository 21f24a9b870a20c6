/** Widgets shown in the header next to the account menu (the chat area fills this: notifications bell, chat). */
export function HeaderWidgets() {
  return null
}

//! Keys: what a key does with a dialog open (each dialog takes its keys first), else the
//! keymap's action for it.

use super::*;

impl State {
    /// Keys while a dialog or overlay is open.
    pub(super) fn input(&mut self, key: KeyPress) -> Vec<Effect> {
        if self.help {
            match key.key {
                Key::Esc | Key::Enter | Key::F(1) | Key::Char('?') | Key::Char('q') => {
                    self.help = false;
                    self.help_top = 0;
                }
                Key::Down | Key::Char('j') => self.help_top += 1,
                Key::Up | Key::Char('k') => self.help_top = self.help_top.saturating_sub(1),
                Key::PageDown | Key::Char(' ') => self.help_top += 10,
                Key::PageUp => self.help_top = self.help_top.saturating_sub(10),
                Key::Home => self.help_top = 0,
                Key::End => self.help_top = usize::MAX,
                _ => {}
            }
            self.help_top = self.help_top.min(layout::help_max_top(self.height));
            return vec![];
        }
        let Some(dialog) = self.dialog.take() else {
            if self.panel == Panel::Log {
                return self.log_key(key);
            }
            if self.filtering() {
                return self.filter_key(key);
            }
            return vec![];
        };
        match dialog {
            Dialog::Conflict(mut form) => match form.key(key) {
                dialog::ConflictKey::Stay => {
                    self.dialog = Some(Dialog::Conflict(form));
                    vec![]
                }
                dialog::ConflictKey::Close => vec![],
                dialog::ConflictKey::Choose(choice) => {
                    let fx = vec![Effect::Engine(EngineCmd::Resolve {
                        id: form.id,
                        choice,
                        all: form.all,
                    })];
                    // "All" answers the conflicts of this job's operation (its batch) only.
                    let batch = self.queue.rows.get(&form.id).map(|r| r.job.batch);
                    if let (true, Some(b)) = (form.all, batch) {
                        self.queue.policies.insert(b, choice);
                    }
                    self.next_conflict(Some(form.id));
                    fx
                }
            },
            Dialog::Certificate(form) => match key.key {
                // A certificate that no longer matches its pin is refused: no key trusts it.
                Key::Char('o') | Key::Char('a') if form.info.pinned_mismatch.is_none() => {
                    let mut opts = form.opts.clone();
                    opts.trust.pin = Some(form.info.sha256.clone());
                    let mut fx = Vec::new();
                    if key.key == Key::Char('a') {
                        fx.push(Effect::SavePin {
                            host: opts.host.clone(),
                            port: opts.port,
                            sha256: form.info.sha256.clone(),
                        });
                    }
                    fx.extend(self.connect(opts, form.path.clone()));
                    fx
                }
                Key::Esc | Key::Char('q') | Key::Char('n') => {
                    self.set_status(
                        t("Not connected: the server's certificate was not trusted"),
                        true,
                    );
                    vec![]
                }
                _ => {
                    self.dialog = Some(Dialog::Certificate(form));
                    vec![]
                }
            },
            Dialog::Prompt(form) => self.prompt_key(form, key),
            Dialog::Console(form) => self.console_key(form, key),
            // Arrows and pages scroll the notes; any other key closes them.
            Dialog::Notes(mut v) => {
                let max = layout::notes_max_scroll(
                    &v,
                    ratatui::layout::Rect::new(0, 0, self.width, self.height),
                );
                let page = (self.height as usize).saturating_sub(6).max(1);
                v.scroll = match key.key {
                    Key::Up | Key::Char('k') => v.scroll.saturating_sub(1),
                    Key::Down | Key::Char('j') => v.scroll + 1,
                    Key::PageUp => v.scroll.saturating_sub(page),
                    Key::PageDown | Key::Char(' ') => v.scroll + page,
                    Key::Home => 0,
                    Key::End => max,
                    _ => return vec![],
                }
                .min(max);
                self.dialog = Some(Dialog::Notes(v));
                vec![]
            }
            Dialog::Sync(form) => self.sync_key(form, key),
            Dialog::View(form) => self.view_key(form, key),
            Dialog::Menu(form) => self.menu_key(form, key),
            Dialog::Confirm(form) => self.confirm_key(form, key),
            Dialog::Chmod(form) => self.chmod_key(form, key),
            Dialog::Info(v) => self.info_key(v, key),
            Dialog::ConfirmQuit => match key.key {
                Key::Char('y') | Key::Char('Y') | Key::Enter => {
                    self.quit = true;
                    vec![Effect::Quit]
                }
                _ => vec![],
            },
            Dialog::Bookmarks(mut list) => match list.key(key) {
                bookmarks::ListKey::Stay => {
                    self.dialog = Some(Dialog::Bookmarks(list));
                    vec![]
                }
                bookmarks::ListKey::Close => {
                    if matches!(self.conn, Conn::Disconnected) {
                        self.set_status(t("Not connected: o connects, b lists bookmarks"), false);
                    }
                    vec![]
                }
                bookmarks::ListKey::Connect(p) => {
                    self.set_status(tr!("Connecting to {label}…", label = p.name), false);
                    vec![Effect::ResolveProfile(p)]
                }
                bookmarks::ListKey::Add => {
                    let mut form =
                        bookmarks::BookmarkForm::new(crate::bookmarks::Profile::new("", ""), None);
                    form.keyring = self.keyring;
                    self.dialog = Some(Dialog::BookmarkForm(Box::new(form)));
                    vec![]
                }
                bookmarks::ListKey::Edit(p) => {
                    let old = Some(p.name.clone());
                    let mut form = bookmarks::BookmarkForm::new(p, old);
                    form.keyring = self.keyring;
                    self.dialog = Some(Dialog::BookmarkForm(Box::new(form)));
                    vec![]
                }
                bookmarks::ListKey::Duplicate(mut p) => {
                    let mut name = format!("{} (copy)", p.name);
                    let mut n = 2;
                    while list.profiles.iter().any(|x| x.name == name) {
                        name = format!("{} (copy {n})", p.name);
                        n += 1;
                    }
                    p.name = name;
                    self.dialog = Some(Dialog::Bookmarks(list));
                    vec![Effect::SaveBookmark {
                        profile: p,
                        old_name: None,
                    }]
                }
                bookmarks::ListKey::Delete(name) => {
                    self.dialog = Some(Dialog::Bookmarks(list));
                    vec![Effect::DeleteBookmark(name)]
                }
            },
            Dialog::BookmarkForm(mut form) => {
                if key.key == Key::Esc {
                    self.dialog = Some(Dialog::Bookmarks(bookmarks::BookmarkList::default()));
                    return vec![Effect::LoadBookmarks];
                }
                if form.key(key)
                    && let Ok(profile) = form.profile()
                {
                    let old_name = form.old_name.clone();
                    self.dialog = Some(Dialog::Bookmarks(bookmarks::BookmarkList {
                        unsaved: Some(form),
                        ..Default::default()
                    }));
                    return vec![Effect::SaveBookmark { profile, old_name }];
                }
                self.dialog = Some(Dialog::BookmarkForm(form));
                vec![]
            }
            Dialog::Connect(form) if key.ctrl && key.key == Key::Char('s') => {
                // Save what is typed as a bookmark (never the password).
                let mut p = crate::bookmarks::Profile::new(form.host.trim(), form.host.trim());
                p.port = form.port.trim().parse().unwrap_or(21);
                p.user = Some(form.user.trim().to_string()).filter(|u| !u.is_empty());
                p.anonymous = p.user.is_none();
                p.remote_dir = form.path.clone();
                let problems = p.validate();
                let mut form = form;
                if let Some((field, msg)) = problems.first() {
                    form.error = Some(tr!(
                        "Cannot save: {field} {problem}",
                        field = t(field),
                        problem = msg
                    ));
                    self.dialog = Some(Dialog::Connect(form));
                    return vec![];
                }
                form.error = Some(tr!(
                    "Saved as bookmark {name}",
                    name = format!("{:?}", p.name)
                ));
                self.dialog = Some(Dialog::Connect(form));
                vec![Effect::SaveBookmark {
                    profile: p,
                    old_name: None,
                }]
            }
            Dialog::Connect(mut form) => match key.key {
                Key::Esc => {
                    if matches!(self.conn, Conn::Disconnected) {
                        self.set_status(t("Remote pane not connected: press o to connect"), false);
                    }
                    vec![]
                }
                Key::Enter => match form.validate() {
                    Ok((opts, path)) => {
                        let mut fx = Vec::new();
                        if let Some(dir) = form.local_dir.clone() {
                            fx.push(self.list(Side::Local, Nav::To(dir)));
                        }
                        fx.extend(self.connect(opts, path));
                        fx
                    }
                    Err(msg) => {
                        form.error = Some(msg);
                        self.dialog = Some(Dialog::Connect(form));
                        vec![]
                    }
                },
                _ => {
                    form.key(key);
                    self.dialog = Some(Dialog::Connect(form));
                    vec![]
                }
            },
        }
    }
}

/* Rallye organisers' dashboard: the browser side of the Telegram Mini App.
 *
 * Plain ES2020, no framework, no build step. Everything the server sends is
 * written with textContent (never innerHTML), so the page obeys a strict CSP
 * (no inline script or style) and cannot be scripted through a team's name.
 *
 * Flow: auth() -> loadTexts() -> poll() every 5 s -> render*() per section.
 */
'use strict';

(() => {
  // ---------------------------------------------------------------- constants

  const POLL_MS = 5000;
  const TOAST_MS = 4000;
  const STORAGE_KEY = 'rallye-session';
  const STATE_ORDER = ['waiting', 'en_route', 'checked_in', 'answering', 'finished'];

  /** English defaults: any key the server does not translate still reads. */
  const DEFAULT_TEXTS = {
    title: 'Rally dashboard', map: 'Map', teams: 'Teams', leaderboard: 'Leaderboard',
    alerts: 'Alerts', photos: 'Photos', broadcast: 'Broadcast', announcements: 'Announcements',
    team: 'Team', stage: 'Stage', score: 'Score', state: 'State', members: 'Members',
    last_move: 'Last move', hints_used: 'Hints used', stages_done: 'Stages done', rank: 'Rank',
    approve: 'Approve', reject: 'Reject', send: 'Send', audience: 'Audience',
    audience_all: 'All players', audience_team: 'Team {name}', audience_language: 'Language: {name}',
    message_placeholder: 'Message to the players…',
    no_alerts: 'No alerts', no_photos: 'No photos to review', no_teams: 'No teams yet',
    online: 'Updated {time}', offline: 'Connection lost: retrying…',
    not_sent: 'Not sent: the connection was lost. Press again.', loading: 'Loading…',
    expired: 'Your session has ended. Open the dashboard again from the bot (/dashboard).',
    forbidden: "This dashboard is for the rally's organisers.",
    state_waiting: 'Waiting', state_en_route: 'En route', state_checked_in: 'Checked in',
    state_answering: 'Answering', state_finished: 'Finished', idle: 'Idle', lost: 'Lost',
    phase_draft: 'Draft', phase_open: 'Open', phase_running: 'Running', phase_paused: 'Paused',
    phase_finished: 'Finished',
    minutes_ago: '{minutes} min ago', just_now: 'just now',
    alert_lost: '{team} asked for help', alert_idle: '{team} has not moved for {minutes} min',
    confirm_announcement: 'Send “{title}” to every player?',
    sending: 'Sending…', finished: 'Finished', no_position: 'No position yet', close: 'Close',
  };

  // -------------------------------------------------------------------- state

  const app = {
    token: null, // Bearer token (memory; copy in sessionStorage)
    texts: {}, // server translations
    language: 'en', // BCP 47 tag for Intl (server's "fr", "fa_AF" -> "fa-AF")
    data: null, // last api/state answer
    stopped: false, // true after a 401/403: no more requests
    timer: null, // pending poll's setTimeout
    polling: false, // a state request is in flight
    refreshWanted: false, // refresh asked while a poll was in flight
    sort: { key: null, dir: 1 }, // teams table; null: server order (rank)
    openTeam: null, // team code shown in #team-card
    broadcastBusy: false,
    pendingBroadcast: null, // {sig, id}: kept after a network failure for the retry
    audienceSig: '',
    announcementsSig: '',
    photoUrls: new Map(), // photo id -> Promise<object URL | null>
    map: null, // Leaflet parts, null without Leaflet
  };

  const $ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------- utilities

  /** The text for key, English if untranslated, with {name} placeholders filled. */
  function t(key, params) {
    const own = app.texts[key];
    const text = typeof own === 'string' && own !== '' ? own : DEFAULT_TEXTS[key] ?? key;
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name) =>
      Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole);
  }

  /** Like t(), as nodes: each {param} in a <bdi>, so a name keeps its own direction. */
  function tNodes(key, params) {
    return t(key).split(/(\{\w+\})/).map((part) => {
      const match = /^\{(\w+)\}$/.exec(part);
      return match && Object.prototype.hasOwnProperty.call(params, match[1])
        ? el('bdi', { text: params[match[1]] })
        : document.createTextNode(part);
    });
  }

  /** "Name (CODE)" with the name isolated. */
  function nameAndCode(team) {
    return [el('bdi', { text: team.name }), ` (${team.code})`];
  }

  /** Creates an element; props: className, text, dataset, attrs, on (events). */
  function el(tag, props = {}, children = []) {
    const node = document.createElement(tag);
    if (props.className) node.className = props.className;
    if (props.text !== undefined && props.text !== null) node.textContent = String(props.text);
    for (const [k, v] of Object.entries(props.dataset || {})) node.dataset[k] = v;
    for (const [k, v] of Object.entries(props.attrs || {})) node.setAttribute(k, v);
    for (const [k, v] of Object.entries(props.on || {})) node.addEventListener(k, v);
    for (const child of children) if (child) node.append(child);
    return node;
  }

  function toLocaleTag(language) {
    const tag = String(language || 'en').replace(/_/g, '-');
    try {
      return Intl.getCanonicalLocales(tag)[0] || 'en';
    } catch (e) {
      return 'en';
    }
  }

  function formatTime(iso, seconds = false) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return '';
    const options = seconds ? {} : { hour: '2-digit', minute: '2-digit' };
    return date.toLocaleTimeString(app.language, options);
  }

  /** "12 min ago" measured against the server's `now` (the phone's clock may be off). */
  function relative(iso) {
    if (!iso) return '—';
    const then = Date.parse(iso);
    const now = Date.parse(app.data && app.data.now) || Date.now();
    if (Number.isNaN(then)) return '—';
    const minutes = Math.floor((now - then) / 60000);
    return minutes < 1 ? t('just_now') : t('minutes_ago', { minutes });
  }

  function uuid() {
    if (window.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
    // RFC 4122 version 4 from getRandomValues (older WebViews, non-secure contexts).
    const b = new Uint8Array(16).map(() => Math.floor(Math.random() * 256));
    if (window.crypto && crypto.getRandomValues) crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** sessionStorage, which can be disabled (private mode, some WebViews): memory only then. */
  function storage(action, value) {
    try {
      if (action === 'get') return sessionStorage.getItem(STORAGE_KEY);
      if (action === 'set') sessionStorage.setItem(STORAGE_KEY, value);
      else sessionStorage.removeItem(STORAGE_KEY);
    } catch (e) { /* memory only */ }
    return null;
  }

  let toastTimer = null;
  function toast(message) {
    Object.assign($('toast'), { textContent: message, hidden: false });
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { $('toast').hidden = true; }, TOAST_MS);
  }

  /** Telegram's bridge without telegram-web-app.js: "ready" and full height. */
  function telegramEvent(eventType) {
    try {
      if (window.TelegramWebviewProxy && window.TelegramWebviewProxy.postEvent) {
        window.TelegramWebviewProxy.postEvent(eventType, '{}');
      } else if (window.parent && window.parent !== window) {
        window.parent.postMessage(JSON.stringify({ eventType, eventData: {} }), '*');
      }
    } catch (e) {
      // Not in Telegram: nothing to tell.
    }
  }

  // ---------------------------------------------------------------------- api

  class NetworkError extends Error {}
  class FatalError extends Error {}

  /**
   * One JSON call. Resolves {status, ok, data} for any HTTP answer but 401/403,
   * which show #fatal, stop everything and reject with FatalError; rejects
   * with NetworkError when no answer came.
   */
  async function api(path, { method = 'GET', body, auth } = {}) {
    if (app.stopped) throw new FatalError('stopped');
    const headers = { Accept: 'application/json' };
    const authorization = auth || (app.token ? `Bearer ${app.token}` : null);
    if (authorization) headers.Authorization = authorization;
    if (method !== 'GET') headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin', // the laptop flow's HttpOnly cookie
        cache: 'no-store',
      });
    } catch (e) {
      throw new NetworkError(String(e));
    }
    checkFatal(response.status);
    // An answer without JSON (a proxy's error page) reads as {}.
    const data = await response.json().catch(() => null);
    return { status: response.status, ok: response.ok, data: data && typeof data === 'object' ? data : {} };
  }

  function checkFatal(status) {
    if (status === 401 || status === 403) {
      fatal(status === 401 ? 'expired' : 'forbidden');
      throw new FatalError(String(status));
    }
  }

  function fatal(key) {
    if (key === 'expired') storage('clear');
    app.stopped = true;
    clearTimeout(app.timer);
    const box = $('fatal');
    box.textContent = t(key);
    box.dataset.reason = key;
    box.hidden = false;
    document.body.classList.add('is-fatal');
  }

  // --------------------------------------------------------------------- auth

  /** The raw initData query string Telegram launched us with, or ''. */
  function launchData() {
    const fromScript = window.Telegram && window.Telegram.WebApp && window.Telegram.WebApp.initData;
    if (fromScript) return fromScript;
    return new URLSearchParams(location.hash.slice(1)).get('tgWebAppData') || '';
  }

  /** Resolves once requests can be made (token, stored token or cookie). */
  async function auth() {
    const initData = launchData();
    if (!initData) {
      // A token from an earlier press or reload; none: the cookie (laptop) flow,
      // where requests carry no Authorization header at all.
      app.token = app.token || storage('get');
      return;
    }
    let answer;
    try {
      answer = await api('api/session', { method: 'POST', auth: `tma ${initData}` });
    } catch (e) {
      if (e instanceof FatalError) forgetLaunchData();
      throw e;
    }
    if (!answer.ok || typeof answer.data.token !== 'string') {
      throw new NetworkError(`session: ${answer.status}`); // 5xx & co: retried
    }
    app.token = answer.data.token;
    storage('set', app.token);
    forgetLaunchData();
  }

  /** No launch data left in the address bar (or in history). */
  function forgetLaunchData() {
    if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  }

  // -------------------------------------------------------------------- texts

  async function loadTexts() {
    const { ok, status, data } = await api('api/texts');
    if (!ok) throw new NetworkError(`texts: ${status}`);
    app.texts = data.texts && typeof data.texts === 'object' ? data.texts : {};
    app.language = toLocaleTag(data.language);
    document.documentElement.lang = app.language;
    document.documentElement.dir = data.direction === 'rtl' ? 'rtl' : 'ltr';
    applyStaticTexts();
  }

  /** Fills the page's fixed labels: data-t (text), data-t-placeholder, data-t-aria-label. */
  function applyStaticTexts() {
    for (const node of document.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
    for (const node of document.querySelectorAll('[data-t-placeholder]')) {
      node.placeholder = t(node.dataset.tPlaceholder);
    }
    for (const node of document.querySelectorAll('[data-t-aria-label]')) {
      node.setAttribute('aria-label', t(node.dataset.tAriaLabel));
    }
    document.title = t('title');
  }

  // --------------------------------------------------------------- poll loop

  async function poll() {
    if (app.stopped) return;
    app.polling = true;
    clearTimeout(app.timer);
    try {
      const answer = await api('api/state');
      if (!answer.ok) throw new NetworkError(`state: ${answer.status}`);
      app.data = answer.data;
      render();
      setStatus(true);
    } catch (e) {
      if (e instanceof FatalError) return;
      if (!(e instanceof NetworkError)) console.warn('dashboard render', e); // eslint-disable-line no-console
      setStatus(false); // the last data stay on screen
    } finally {
      app.polling = false;
    }
    if (app.stopped) return;
    const delay = app.refreshWanted ? 0 : POLL_MS;
    app.refreshWanted = false;
    app.timer = setTimeout(poll, delay);
  }

  /** A fresh state at once (after an action), without two polls at a time. */
  function refreshNow() {
    if (app.stopped) return;
    if (app.polling) {
      app.refreshWanted = true;
      return;
    }
    clearTimeout(app.timer);
    poll();
  }

  function setStatus(online) {
    const box = $('status');
    box.classList.toggle('online', online);
    box.classList.toggle('offline', !online);
    box.textContent = online ? t('online', { time: formatTime(app.data.now, true) }) : t('offline');
  }

  // ------------------------------------------------------------------ render

  function render() {
    const data = app.data;
    renderHeader(data.rally || {});
    renderMap(data);
    renderAlerts(data.alerts || []);
    renderTeams();
    renderTeamCard();
    renderLeaderboard(data.leaderboard || []);
    renderPhotos(data.photos || [], data.photos_pending);
    renderAudience(data.teams || [], data.languages || []);
    renderAnnouncements(data.announcements || []);
  }

  const teams = () => (app.data && app.data.teams) || [];
  const findTeam = (code) => teams().find((team) => team.code === code) || null;

  /**
   * Keyed update of parent's children: reuses the element of each key (so focus
   * and loaded images survive a poll), creates new ones, removes the rest, and
   * moves an element only when it is out of place.
   */
  function syncChildren(parent, items, { key, create, update, remove }) {
    const existing = new Map();
    for (const child of [...parent.children]) {
      if (child.dataset.key === undefined) child.remove(); // an "empty" line
      else existing.set(child.dataset.key, child);
    }
    items.forEach((item, index) => {
      const k = String(key(item));
      let node = existing.get(k);
      if (node) existing.delete(k);
      else {
        node = create(item);
        node.dataset.key = k;
      }
      update(node, item);
      const here = parent.children[index];
      if (here !== node) parent.insertBefore(node, here || null);
    });
    for (const [k, node] of existing) {
      if (remove) remove(k, node);
      node.remove();
    }
  }

  function emptyLine(parent, tag, key) {
    parent.replaceChildren(el(tag, { className: 'empty', text: t(key) }));
  }

  // header

  function renderHeader(rally) {
    $('title-text').textContent = rally.title || t('title');
    const phase = $('phase');
    phase.textContent = rally.phase ? t(`phase_${rally.phase}`) : '';
    phase.className = `phase phase-${rally.phase || 'none'}`;
    document.title = rally.title ? `${rally.title} · ${t('title')}` : t('title');
  }

  // team facts (card, popup)

  const stateLabel = (team) => t(`state_${team.state}`);

  /** The lost or idle badge (lost wins), or none. */
  function badges(team) {
    const kind = team.lost ? 'lost' : team.idle ? 'idle' : null;
    return kind ? [el('span', { className: `badge ${kind}`, text: t(kind) })] : [];
  }

  /** The team card's body (badges, facts), used in #team-card and in popups. */
  function teamFacts(team) {
    const rows = [
      ['members', (team.members || []).join(', ') || '—'],
      ['stage', team.stage_name || '—'],
      ['state', stateLabel(team)],
      ['score', team.score],
      ['rank', team.rank ?? '—'],
      ['last_move', relative(team.last_move)],
      ['hints_used', team.hints_used ?? 0],
      ['stages_done', team.stages_done ?? 0],
    ];
    const list = el('dl', { className: 'facts' });
    for (const [key, value] of rows) {
      list.append(el('dt', { text: t(key) }), el('dd', {}, [el('bdi', { text: value })]));
    }
    const nodes = [el('p', { className: 'badges' }, badges(team)), list];
    if (!team.position) nodes.push(el('p', { className: 'no-position', text: t('no_position') }));
    return nodes;
  }

  /** A whole card (name, badges, facts) for a Leaflet popup. */
  function teamPopup(code) {
    const team = findTeam(code);
    const box = el('div', { className: 'popup-card', attrs: { dir: document.documentElement.dir } });
    if (!team) return box;
    box.append(el('h3', {}, nameAndCode(team)), ...teamFacts(team));
    return box;
  }

  // map

  /** Colours in app.css: lost over idle over state. */
  function markerClass(team) {
    return `team-marker state-${team.state}${team.idle ? ' idle' : ''}${team.lost ? ' lost' : ''}`;
  }

  function initMap() {
    if (typeof L === 'undefined') {
      $('map').hidden = true; // the page works without the map
      $('map-section').hidden = true;
      return;
    }
    const map = L.map('map').setView([46.6, 2.5], 5); // until the first markers frame it
    app.map = { map, tiles: null, stages: new Map(), teams: new Map(), fitted: false };
  }

  /** Leaflet writes the attribution as HTML: the server's text goes in escaped. */
  const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

  function renderMap(data) {
    const m = app.map;
    if (!m) return;
    const config = data.map || {};
    if (!m.tiles && config.tiles) {
      // A tile that fails leaves the light background of #map: markers still show.
      m.tiles = L.tileLayer(config.tiles, {
        attribution: escapeHtml(config.attribution || ''),
        maxZoom: 19,
        // The page's policy is no-referrer; tile servers (OSM's) ask for one: the origin only.
        referrerPolicy: 'strict-origin',
      }).addTo(m.map);
    }
    syncStageMarkers(data.stages || []);
    syncTeamMarkers(data.teams || []);
    if (!m.fitted) fitMap();
  }

  /** Keyed markers: created once, then moved and updated in place; the rest removed. */
  function syncMarkers(store, items, { key, at, create, update }) {
    const seen = new Set();
    items.forEach((item, index) => {
      const where = at(item);
      if (!where) return;
      const k = key(item);
      seen.add(k); // (a stage without a location, a team without a position: no marker)
      let entry = store.get(k);
      if (entry) entry.marker.setLatLng([where.lat, where.lon]);
      else store.set(k, (entry = create(item, [where.lat, where.lon])));
      update(entry, item, index);
    });
    for (const [k, entry] of store) {
      if (!seen.has(k)) {
        entry.marker.remove();
        store.delete(k);
      }
    }
  }

  /** A marker drawn by our own element (divIcon html as a node, not an HTML string). */
  function divMarker(node, at, options = {}) {
    const icon = L.divIcon({ html: node, className: 'rallye-icon', iconSize: null, iconAnchor: null });
    return L.marker(at, { icon, keyboard: true, ...options }).addTo(app.map.map);
  }

  function syncStageMarkers(stages) {
    syncMarkers(app.map.stages, stages, {
      key: (stage) => stage.id,
      at: (stage) => stage.location,
      create: (stage, at) => {
        const node = el('div', { className: 'stage-marker', dataset: { stage: stage.id } });
        const popup = el('div', { className: 'popup-card', attrs: { dir: document.documentElement.dir } });
        const marker = divMarker(node, at, { zIndexOffset: -100 });
        marker.bindPopup(popup);
        return { marker, node, popup };
      },
      update: (entry, stage, index) => {
        entry.node.textContent = String(index + 1);
        entry.node.title = stage.name;
        entry.popup.replaceChildren(el('strong', {}, [`${index + 1}. `, el('bdi', { text: stage.name })]));
      },
    });
  }

  function syncTeamMarkers(list) {
    syncMarkers(app.map.teams, list, {
      key: (team) => team.code,
      at: (team) => team.position,
      create: (team, at) => {
        const node = el('div', { dataset: { team: team.code } });
        const marker = divMarker(node, at);
        // A function: the card is built from the freshest data when it opens.
        marker.bindPopup(() => teamPopup(team.code), { minWidth: 200 });
        return { marker, node };
      },
      update: (entry, team) => {
        entry.node.className = markerClass(team);
        entry.node.textContent = team.code;
        entry.node.title = team.name;
        entry.marker.setZIndexOffset(team.lost ? 1000 : team.idle ? 500 : 0);
        if (entry.marker.isPopupOpen()) entry.marker.setPopupContent(() => teamPopup(team.code));
      },
    });
  }

  /** Frames every marker once, on the first render that has any. */
  function fitMap() {
    const m = app.map;
    const points = [...m.stages.values(), ...m.teams.values()].map((e) => e.marker.getLatLng());
    if (!points.length) return;
    m.fitted = true;
    if (points.length === 1) m.map.setView(points[0], 15);
    else m.map.fitBounds(L.latLngBounds(points), { padding: [32, 32], maxZoom: 16 });
  }

  function panToTeam(team) {
    if (!app.map || !team.position) return;
    app.map.map.panTo([team.position.lat, team.position.lon]);
  }

  // alerts

  function renderAlerts(alerts) {
    const list = $('alerts');
    if (!alerts.length) return emptyLine(list, 'li', 'no_alerts');
    const sorted = [...alerts].sort((a, b) => (Date.parse(b.at) || 0) - (Date.parse(a.at) || 0));
    syncChildren(list, sorted, {
      key: (a) => `${a.kind}:${a.team}:${a.at}`,
      create: (a) => {
        const open = el('button', {
          className: 'alert-open', attrs: { type: 'button' }, on: { click: () => openTeam(a.team) },
        });
        return el('li', { className: `alert ${a.kind}`, dataset: { kind: a.kind, team: a.team } }, [open]);
      },
      update: (item, a) => {
        const name = a.team_name || a.team;
        const text = a.kind === 'lost'
          ? tNodes('alert_lost', { team: name })
          : tNodes('alert_idle', { team: name, minutes: a.minutes ?? '' });
        item.firstChild.replaceChildren(
          el('span', { className: 'alert-text' }, text),
          el('time', { className: 'alert-time', text: formatTime(a.at), attrs: { datetime: a.at || '' } }),
        );
      },
    });
  }

  // teams table

  /** Per column: the team's value (null: none) and how two values compare. */
  const SORTERS = {
    name: [(x) => x.name, (a, b) => String(a).localeCompare(String(b), app.language)],
    stage: [(x) => x.stage_name, (a, b) => String(a).localeCompare(String(b), app.language)],
    score: [(x) => x.score, (a, b) => a - b],
    state: [(x) => x.state, (a, b) => STATE_ORDER.indexOf(a) - STATE_ORDER.indexOf(b)],
    last_move: [(x) => x.last_move, (a, b) => (Date.parse(a) || 0) - (Date.parse(b) || 0)],
  };

  function sortedTeams() {
    const list = [...teams()];
    const { key, dir } = app.sort;
    if (!SORTERS[key]) return list; // the server's order: by rank
    const [value, compare] = SORTERS[key];
    const byName = SORTERS.name[1];
    return list.sort((a, b) => {
      const x = value(a);
      const y = value(b);
      if ((x == null) !== (y == null)) return x == null ? 1 : -1; // empty last, either way
      const order = x == null ? 0 : dir * compare(x, y);
      return order || byName(a.name, b.name);
    });
  }

  function setupSorting() {
    for (const th of document.querySelectorAll('#teams th[data-sort]')) {
      th.addEventListener('click', () => {
        const key = th.dataset.sort;
        app.sort = app.sort.key === key ? { key, dir: -app.sort.dir } : { key, dir: 1 };
        renderTeams();
      });
    }
  }

  function renderSortHeaders() {
    for (const th of document.querySelectorAll('#teams th[data-sort]')) {
      if (th.dataset.sort !== app.sort.key) th.removeAttribute('aria-sort');
      else th.setAttribute('aria-sort', app.sort.dir > 0 ? 'ascending' : 'descending');
    }
  }

  function renderTeams() {
    renderSortHeaders();
    const body = document.querySelector('#teams tbody');
    const list = sortedTeams();
    if (!list.length) {
      const cell = el('td', { className: 'empty', text: t('no_teams'), attrs: { colspan: '5' } });
      body.replaceChildren(el('tr', { className: 'empty' }, [cell]));
      return;
    }
    syncChildren(body, list, {
      key: (team) => team.code,
      create: (team) => {
        const keydown = (event) => {
          if (event.key !== 'Enter' && event.key !== ' ') return;
          event.preventDefault();
          openTeam(team.code);
        };
        return el('tr', {
          dataset: { team: team.code },
          attrs: { tabindex: '0' }, // rows open the card from the keyboard too
          on: { click: () => openTeam(team.code), keydown },
        });
      },
      update: updateTeamRow,
    });
  }

  function updateTeamRow(row, team) {
    row.className = `state-${team.state}${team.idle ? ' idle' : ''}${team.lost ? ' lost' : ''}`;
    row.classList.toggle('selected', app.openTeam === team.code);
    const name = el('td', { className: 'name' }, [
      el('bdi', { className: 'team-name', text: team.name }),
      el('span', { className: 'code', text: team.code }),
      ...badges(team),
    ]);
    row.replaceChildren(
      name,
      el('td', {}, [el('bdi', { text: team.stage_name || '—' })]),
      el('td', { className: 'num', text: team.score ?? 0 }),
      el('td', { text: stateLabel(team) }),
      el('td', { text: relative(team.last_move) }),
    );
  }

  // team card

  function openTeam(code) {
    const team = findTeam(code);
    if (!team) return;
    app.openTeam = code;
    renderTeamCard();
    renderTeams();
    panToTeam(team);
    const target = team.position && app.map ? $('map-section') : $('team-card');
    target.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  function closeTeam() {
    app.openTeam = null;
    renderTeamCard();
    renderTeams();
  }

  function renderTeamCard() {
    const card = $('team-card');
    const team = app.openTeam ? findTeam(app.openTeam) : null;
    if (!team) {
      app.openTeam = null;
      card.hidden = true;
      return;
    }
    card.hidden = false;
    card.dataset.team = team.code;
    $('team-card-h').replaceChildren(...nameAndCode(team));
    $('team-card-body').replaceChildren(...teamFacts(team));
  }

  // leaderboard

  function renderLeaderboard(rows) {
    const list = $('leaderboard');
    if (!rows.length) return emptyLine(list, 'li', 'no_teams');
    syncChildren(list, rows, {
      key: (row) => row.code,
      create: (row) => el('li', { dataset: { team: row.code } }),
      update: (item, row) => {
        item.classList.toggle('finished', Boolean(row.finished));
        const parts = [
          el('span', { className: 'rank', text: row.rank }),
          el('span', { className: 'team-name' }, [el('bdi', { text: row.name })]),
          el('span', { className: 'score', text: row.score }),
        ];
        if (row.finished) {
          parts.push(el('span', {
            className: 'done', text: '✓', attrs: { role: 'img', title: t('finished'), 'aria-label': t('finished') },
          }));
        }
        item.replaceChildren(...parts);
      },
    });
  }

  // photos

  function renderPhotos(photos, pending) {
    $('photos-count').textContent = String(pending ?? photos.length);
    const list = $('photo-list');
    if (!photos.length) {
      for (const id of [...app.photoUrls.keys()]) forgetPhoto(id);
      return emptyLine(list, 'p', 'no_photos');
    }
    syncChildren(list, photos, {
      key: (photo) => photo.id,
      create: createPhoto,
      update: (node, photo) => {
        node.querySelector('.photo-team').textContent = photo.team_name || photo.team;
        node.querySelector('.photo-stage').textContent = photo.stage_name || photo.stage || '';
        const time = node.querySelector('time');
        time.textContent = formatTime(photo.at);
        time.dateTime = photo.at || '';
        const img = node.querySelector('img');
        img.alt = `${photo.team_name || photo.team} — ${photo.stage_name || ''}`;
        if (!img.src) showImage(img, photo.id); // a failed fetch is tried again
      },
      remove: (key) => forgetPhoto(key),
    });
  }

  function createPhoto(photo) {
    const img = el('img', { attrs: { alt: '' }, on: { click: () => img.classList.toggle('zoomed') } });
    const judge = (approve) => () => judgePhoto(photo.id, approve, node);
    const button = (cls, approve) =>
      el('button', { className: cls, text: t(cls), attrs: { type: 'button' }, on: { click: judge(approve) } });
    const message = el('p', { className: 'photo-message' }); // read out by #toast
    const node = el('div', { className: 'photo', dataset: { photo: String(photo.id) } }, [
      el('div', { className: 'photo-frame' }, [img]),
      el('div', { className: 'photo-info' }, [
        el('strong', { className: 'photo-team', attrs: { dir: 'auto' } }),
        el('span', { className: 'photo-stage', attrs: { dir: 'auto' } }),
        el('time', { className: 'photo-time' }),
      ]),
      el('div', { className: 'photo-actions' }, [button('approve', true), button('reject', false)]),
      message,
    ]);
    return node;
  }

  function showImage(img, id) {
    if (img.dataset.loading) return;
    img.dataset.loading = '1';
    loadPhoto(id).then((url) => {
      delete img.dataset.loading;
      img.classList.toggle('broken', !url);
      if (url) img.src = url;
    });
  }

  /** An object URL for the photo, fetched with the Authorization header once per id. */
  function loadPhoto(id) {
    const key = String(id);
    if (!app.photoUrls.has(key)) {
      const promise = fetchImage(id).catch(() => {
        app.photoUrls.delete(key); // retried when the photo is drawn again
        return null;
      });
      app.photoUrls.set(key, promise);
    }
    return app.photoUrls.get(key);
  }

  async function fetchImage(id) {
    const headers = app.token ? { Authorization: `Bearer ${app.token}` } : {};
    const response = await fetch(`api/photos/${encodeURIComponent(id)}/image`, {
      headers, credentials: 'same-origin', cache: 'no-store',
    });
    checkFatal(response.status);
    if (!response.ok) throw new Error(`image ${response.status}`);
    return URL.createObjectURL(await response.blob());
  }

  function forgetPhoto(key) {
    const promise = app.photoUrls.get(String(key));
    app.photoUrls.delete(String(key));
    if (promise) promise.then((url) => { if (url) URL.revokeObjectURL(url); });
  }

  async function judgePhoto(id, approve, node) {
    const buttons = node.querySelectorAll('button');
    const message = node.querySelector('.photo-message');
    buttons.forEach((b) => { b.disabled = true; });
    message.textContent = t('sending');
    try {
      const answer = await api(`api/photos/${encodeURIComponent(id)}`, { method: 'POST', body: { approve } });
      const text = answer.data.message || answer.data.error || '';
      message.textContent = text;
      if (text) toast(text);
      if (!answer.ok || !answer.data.done) buttons.forEach((b) => { b.disabled = false; });
      refreshNow();
    } catch (e) {
      if (e instanceof FatalError) return;
      message.textContent = t('not_sent');
      buttons.forEach((b) => { b.disabled = false; });
    }
  }

  // broadcast

  function renderAudience(teamList, languages) {
    const options = [['all', t('audience_all')]];
    const byName = [...teamList].sort((a, b) => a.name.localeCompare(b.name, app.language));
    for (const team of byName) options.push([`team:${team.code}`, t('audience_team', { name: team.name })]);
    for (const lang of languages) options.push([`lang:${lang.tag}`, t('audience_language', { name: lang.name })]);
    const sig = JSON.stringify(options);
    if (sig === app.audienceSig) return; // keeps the selection (and an open picker)
    app.audienceSig = sig;
    const select = $('audience');
    const chosen = select.value;
    select.replaceChildren(...options.map(([value, label]) => el('option', { text: label, attrs: { value } })));
    select.value = options.some(([value]) => value === chosen) ? chosen : 'all';
  }

  function renderAnnouncements(list) {
    const sig = JSON.stringify(list.map((a) => [a.key, a.title]));
    if (sig === app.announcementsSig) return;
    app.announcementsSig = sig;
    const box = $('announcements');
    box.replaceChildren(...list.map((a) => {
      const press = () => {
        if (app.broadcastBusy) return;
        if (window.confirm(t('confirm_announcement', { title: a.title }))) broadcast(`announcement:${a.key}`, '');
      };
      const button = el('button', {
        className: 'secondary', text: a.title, dataset: { announcement: a.key },
        attrs: { type: 'button', dir: 'auto' }, on: { click: press },
      });
      button.disabled = app.broadcastBusy;
      return button;
    }));
  }

  function setBroadcastBusy(busy) {
    app.broadcastBusy = busy;
    $('send').disabled = busy;
    $('send').textContent = busy ? t('sending') : t('send');
    for (const b of document.querySelectorAll('#announcements button')) b.disabled = busy;
  }

  function showResult(text, ok) {
    const box = $('broadcast-result');
    box.textContent = text;
    box.className = `result ${ok ? 'ok' : 'error'}`;
  }

  /**
   * Sends one broadcast. The request_id is kept while the same audience and
   * text fail to get an answer (network, 5xx), so pressing again retries the
   * same broadcast instead of sending a second one; any other answer ends it.
   */
  async function broadcast(audience, text) {
    if (app.broadcastBusy) return;
    const sig = `${audience}\n${text}`;
    if (!app.pendingBroadcast || app.pendingBroadcast.sig !== sig) {
      app.pendingBroadcast = { sig, id: uuid() };
    }
    setBroadcastBusy(true);
    showResult(t('sending'), true);
    try {
      const answer = await api('api/broadcast', {
        method: 'POST', body: { audience, text, request_id: app.pendingBroadcast.id },
      });
      if (answer.status >= 500) {
        showResult(answer.data.error || t('not_sent'), false);
        return;
      }
      app.pendingBroadcast = null;
      if (answer.ok) {
        showResult(answer.data.message || '', true);
        const box = $('message');
        if (text && box.value.trim() === text) box.value = '';
      } else {
        showResult(answer.data.error || answer.data.message || String(answer.status), false);
      }
    } catch (e) {
      if (e instanceof FatalError) return;
      showResult(t('not_sent'), false);
    } finally {
      setBroadcastBusy(false);
    }
  }

  function setupBroadcast() {
    $('broadcast-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const text = $('message').value.trim();
      if (text) broadcast($('audience').value || 'all', text);
      else $('message').focus();
    });
  }

  // -------------------------------------------------------------------- boot

  async function start() {
    try {
      await auth();
      await loadTexts();
    } catch (e) {
      if (e instanceof FatalError) return;
      $('status').classList.add('offline');
      $('status').textContent = t('offline');
      setTimeout(start, POLL_MS); // nothing reached the server: try again
      return;
    }
    poll();
  }

  function boot() {
    telegramEvent('web_app_ready');
    telegramEvent('web_app_expand');
    initMap();
    setupSorting();
    setupBroadcast();
    $('team-card-close').addEventListener('click', closeTeam);
    renderAudience([], []);
    start();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
})();

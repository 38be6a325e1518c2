// The status page: the tenant's accounts, live from the gateway's event stream. Plain JavaScript, no build.
//
// The token comes in the URL's fragment (#token=...), which browsers never send to a server, and is moved to
// sessionStorage at once; it travels only in Authorization headers. The stream is opened with a short-lived,
// single-use ticket, because EventSource cannot send headers; after a disconnect the page gets a new ticket and
// resumes from the last event id it saw.
'use strict';

(function () {
  const TOKEN_KEY = 'tokenwarden.token';
  const rows = new Map(); // connection id -> status
  let token = null;
  let lastEventId = null;
  let source = null;
  let retryMs = 1000;
  let reconnectTimer = null;

  const $ = (id) => document.getElementById(id);

  function readToken() {
    const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
    if (match) {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
      history.replaceState(null, '', window.location.pathname + window.location.search);
    }
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function setLive(text, live) {
    const el = $('live');
    el.textContent = text;
    el.dataset.live = live ? 'yes' : 'no';
  }

  function showSignIn(why) {
    if (source) {
      source.close();
      source = null;
    }
    sessionStorage.removeItem(TOKEN_KEY);
    token = null;
    $('signin-why').textContent = why;
    $('signin').hidden = false;
    setLive('Not signed in', false);
    $('token-input').focus();
  }

  function api(path, method) {
    return fetch(path, { method: method || 'GET', headers: { Authorization: 'Bearer ' + token }, cache: 'no-store' });
  }

  async function connect() {
    reconnectTimer = null;
    let response;
    try {
      response = await api('/v1/sse-tickets', 'POST');
    } catch (e) {
      return reconnectLater('The gateway cannot be reached');
    }
    if (response.status === 401) {
      return showSignIn('Your token was refused or has expired. Paste a new one.');
    }
    if (!response.ok) {
      return reconnectLater('The gateway is not ready (' + response.status + ')');
    }
    const ticket = await response.json();
    let url = '/v1/tenants/' + encodeURIComponent(ticket.tenant) + '/events?ticket=' + encodeURIComponent(ticket.ticket);
    if (lastEventId) {
      url += '&lastEventId=' + encodeURIComponent(lastEventId);
    }
    const es = new EventSource(url);
    source = es;
    es.onopen = () => {
      retryMs = 1000;
      setLive('Live', true);
    };
    es.addEventListener('snapshot', (e) => {
      lastEventId = e.lastEventId;
      rows.clear();
      for (const s of JSON.parse(e.data).connections) {
        rows.set(s.connectionId, s);
      }
      render();
    });
    es.addEventListener('status', (e) => {
      lastEventId = e.lastEventId;
      const s = JSON.parse(e.data);
      const before = rows.get(s.connectionId);
      rows.set(s.connectionId, s);
      render();
      if (s.attention && (!before || !before.attention)) {
        announce(s.providerName + ' ' + s.accountId + ': ' + s.stateLabel + '. ' + (s.message || ''));
      }
    });
    es.addEventListener('removed', (e) => {
      lastEventId = e.lastEventId;
      rows.delete(JSON.parse(e.data).connectionId);
      render();
    });
    es.addEventListener('bye', (e) => {
      const bye = JSON.parse(e.data);
      es.close();
      if (bye.reason === 'token_expired') {
        showSignIn('Your token has expired. Paste a new one.');
      } else {
        reconnectLater('Reconnecting (' + bye.reason.replace('_', ' ') + ')');
      }
    });
    es.onerror = () => {
      // The browser would retry with the same ticket, which is single-use: get a new one instead.
      es.close();
      if (source === es) {
        reconnectLater('Connection lost; reconnecting');
      }
    };
  }

  function reconnectLater(why) {
    source = null;
    setLive(why + '…', false);
    if (reconnectTimer === null) {
      reconnectTimer = setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 30000);
    }
  }

  function announce(text) {
    $('announcer').textContent = text;
  }

  function sorted() {
    return Array.from(rows.values()).sort((a, b) =>
      a.attention !== b.attention ? (a.attention ? -1 : 1)
        : a.connectionId < b.connectionId ? -1 : a.connectionId > b.connectionId ? 1 : 0);
  }

  function when(iso) {
    if (!iso) {
      return { text: 'Never', title: 'This token does not expire' };
    }
    const at = new Date(iso);
    const seconds = Math.round((at.getTime() - Date.now()) / 1000);
    const fmt = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
    const abs = Math.abs(seconds);
    const text = abs < 60 ? fmt.format(seconds, 'second')
      : abs < 3600 ? fmt.format(Math.round(seconds / 60), 'minute')
        : abs < 172800 ? fmt.format(Math.round(seconds / 3600), 'hour')
          : fmt.format(Math.round(seconds / 86400), 'day');
    return { text: seconds < 0 ? 'Expired ' + text : text, title: at.toLocaleString() };
  }

  function cell(row, className) {
    const td = document.createElement('td');
    if (className) {
      td.className = className;
    }
    row.appendChild(td);
    return td;
  }

  function rowFor(s) {
    const tr = document.createElement('tr');
    tr.dataset.connectionId = s.connectionId;
    tr.dataset.attention = String(s.attention);

    const mark = cell(tr, 'mark');
    if (s.attention) {
      const bang = document.createElement('span');
      bang.className = 'bang';
      bang.setAttribute('role', 'img');
      bang.setAttribute('aria-label', 'Needs attention');
      bang.textContent = '!';
      mark.appendChild(bang);
    }
    cell(tr, 'provider').textContent = s.providerName;
    cell(tr, 'account').textContent = s.accountId;

    const stateCell = cell(tr, 'state-cell');
    const state = document.createElement('span');
    state.className = 'state';
    state.dataset.state = s.state;
    state.textContent = s.stateLabel;
    stateCell.appendChild(state);
    if (s.message) {
      const p = document.createElement('p');
      p.className = 'message';
      p.textContent = s.message;
      stateCell.appendChild(p);
    }

    const expires = when(s.expiresAt);
    const time = document.createElement('time');
    if (s.expiresAt) {
      time.dateTime = s.expiresAt;
    }
    time.title = expires.title;
    time.textContent = expires.text;
    cell(tr, 'expires').appendChild(time);

    const actions = cell(tr, 'actions');
    if (s.renewable) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'refresh';
      button.textContent = 'Refresh';
      button.setAttribute('aria-label', 'Refresh the ' + s.providerName + ' token of ' + s.accountId);
      // aria-disabled rather than disabled: the button keeps keyboard focus while the renewal runs.
      button.setAttribute('aria-disabled', String(s.state === 'REFRESHING'));
      button.addEventListener('click', () => refresh(s, button));
      actions.appendChild(button);
    }
    return tr;
  }

  async function refresh(s, button) {
    if (button.getAttribute('aria-disabled') === 'true') {
      return;
    }
    button.setAttribute('aria-disabled', 'true');
    button.textContent = 'Requested';
    let ok = false;
    try {
      const r = await api('/v1/connections/' + encodeURIComponent(s.connectionId) + '/refresh', 'POST');
      ok = r.status === 202;
      if (r.status === 401) {
        showSignIn('Your token was refused or has expired. Paste a new one.');
        return;
      }
    } catch (e) {
      ok = false;
    }
    announce(ok ? 'Refresh requested for ' + s.providerName + ' ' + s.accountId
      : 'The refresh could not be requested; try again');
    if (!ok) {
      button.setAttribute('aria-disabled', 'false');
      button.textContent = 'Refresh';
    }
  }

  function render() {
    const body = $('rows');
    // Keep keyboard focus on the same account's button across a re-render.
    const focused = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest('tr') : null;
    const focusedId = focused ? focused.dataset.connectionId : null;
    const fragment = document.createDocumentFragment();
    const list = sorted();
    for (const s of list) {
      fragment.appendChild(rowFor(s));
    }
    body.replaceChildren(fragment);
    if (focusedId) {
      const again = body.querySelector('tr[data-connection-id="' + CSS.escape(focusedId) + '"] button');
      if (again) {
        again.focus();
      }
    }
    const attention = list.filter((s) => s.attention).length;
    $('summary').textContent = list.length + (list.length === 1 ? ' account' : ' accounts')
      + (attention ? ', ' + attention + ' need' + (attention === 1 ? 's' : '') + ' you' : ', all fine');
    $('empty').hidden = list.length > 0;
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('token-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const value = $('token-input').value.trim();
      if (value) {
        sessionStorage.setItem(TOKEN_KEY, value);
        $('token-input').value = '';
        $('signin').hidden = true;
        token = value;
        connect();
      }
    });
    // A link with another token (another tenant) opened over this page: start over with it.
    window.addEventListener('hashchange', () => {
      const next = readToken();
      if (next && next !== token) {
        token = next;
        if (source) {
          source.close();
          source = null;
        }
        // Nothing of the previous tenant may stay on the page, announcements included.
        rows.clear();
        lastEventId = null;
        announce('');
        render();
        $('signin').hidden = true;
        connect();
      }
    });
    token = readToken();
    if (!token) {
      showSignIn('Paste the access token (a JWT) your product gave you.');
      return;
    }
    connect();
    // Relative expiry times age; refresh them twice a minute.
    setInterval(() => { if (rows.size) { render(); } }, 30000);
  });
})();

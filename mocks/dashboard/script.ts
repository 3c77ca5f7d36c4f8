/**
 * The dashboard's only script, inline (nonce'd by the page's Content-Security-Policy). Everything
 * works without it; with it:
 * - new requests arrive as server-sent events carrying their arrow, already rendered (and
 *   escaped) by the server, and are appended to the diagram without a reload;
 * - the grants panel and the clock are fetched again after requests arrive, and every 10 s
 *   (tokens expire on the fakes' clock, which also runs in real time);
 * - an arrow opens its exchange in place instead of navigating to its page;
 * - reset asks for confirmation.
 * The script inserts only HTML the server rendered; it builds no markup from data.
 */
export const DASHBOARD_SCRIPT = `(function () {
  'use strict';
  var root = document.getElementById('dashboard');
  if (!root) return;
  var list = document.getElementById('seq-list');
  var live = document.getElementById('live');
  var grants = document.getElementById('grants');
  var clock = document.getElementById('clock');
  var count = document.getElementById('request-count');

  function setLive(state, text) {
    if (!live) return;
    live.className = 'live-badge ' + state;
    live.textContent = text;
  }

  var refreshTimer = null;
  function refreshState() {
    refreshTimer = null;
    fetch(root.dataset.state, { headers: { accept: 'text/html' }, cache: 'no-store' })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var fresh = doc.getElementById('grants');
        if (fresh && grants) grants.innerHTML = fresh.innerHTML;
        var freshClock = doc.getElementById('clock');
        if (freshClock && clock) clock.innerHTML = freshClock.innerHTML;
      })
      .catch(function () {});
  }
  function scheduleRefresh(ms) {
    if (refreshTimer === null) refreshTimer = setTimeout(refreshState, ms);
  }
  setInterval(function () { if (!document.hidden) scheduleRefresh(0); }, 10000);

  function nearBottom() {
    return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 120;
  }

  if (list && window.EventSource) {
    var last = list.querySelector('li.seq-msg:last-of-type');
    var after = last ? last.getAttribute('data-id') : root.dataset.after;
    var source = new EventSource(root.dataset.events + '&after=' + encodeURIComponent(after || '0'));
    source.addEventListener('open', function () { setLive('on', 'live'); });
    source.addEventListener('error', function () { setLive('off', 'reconnecting…'); });
    source.addEventListener('request', function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (document.getElementById('req-' + data.id)) return;
      var stick = nearBottom();
      var empty = list.querySelector('.seq-empty');
      if (empty) empty.remove();
      list.insertAdjacentHTML('beforeend', data.html);
      var row = document.getElementById('req-' + data.id);
      if (row) row.classList.add('fresh');
      if (count) count.textContent = String(Number(count.textContent || '0') + 1);
      if (stick && row) row.scrollIntoView({ block: 'end' });
      scheduleRefresh(250);
    });
  }

  // An arrow opens its exchange in place (its link still works with a modifier key, or without this script).
  document.addEventListener('click', function (event) {
    var link = event.target.closest && event.target.closest('a.seq-row');
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    var item = link.parentElement;
    var open = item.querySelector('.seq-details');
    if (open) {
      open.hidden = !open.hidden;
      link.setAttribute('aria-expanded', String(!open.hidden));
      return;
    }
    link.setAttribute('aria-busy', 'true');
    fetch(link.getAttribute('href') + '?fragment=1', { headers: { accept: 'text/html' }, cache: 'no-store' })
      .then(function (r) { return r.text().then(function (t) { return { ok: r.ok, text: t }; }); })
      .then(function (res) {
        var panel = document.createElement('div');
        panel.className = 'seq-details';
        panel.innerHTML = res.text;
        item.appendChild(panel);
        link.setAttribute('aria-expanded', 'true');
      })
      .catch(function () { window.location.href = link.getAttribute('href'); })
      .finally(function () { link.removeAttribute('aria-busy'); });
  });

  var reset = document.getElementById('reset-form');
  if (reset) reset.addEventListener('submit', function (event) {
    if (!window.confirm('Reset these fakes to the fixtures? Grants, clock, consent modes, faults and the request log are cleared.')) event.preventDefault();
  });
})();`

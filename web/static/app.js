/* Progressive enhancement for the resident pages. Everything here is optional: without it the
   pages work with plain forms and links. */
(function () {
  "use strict";

  var WIDE = "(min-width: 48rem)";
  var filtersOpen = null;

  function announce(text) {
    var region = document.getElementById("announcer");
    if (!region) return;
    // Clear first so that the same text is announced again.
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  function setUpFilters(root) {
    var filters = root.querySelector ? root.querySelector("#filters") : null;
    if (!filters) filters = document.getElementById("filters");
    if (!filters) return;
    if (filtersOpen !== null) {
      filters.open = filtersOpen;
    } else if (window.matchMedia(WIDE).matches) {
      filters.open = true;
    }
    filters.addEventListener("toggle", function () { filtersOpen = filters.open; });
  }

  function setUpGeolocation(root) {
    if (!("geolocation" in navigator)) return;
    root.querySelectorAll("[data-geolocate]").forEach(function (button) {
      if (button.dataset.enhanced) return;
      button.dataset.enhanced = "true";
      button.hidden = false;
      button.addEventListener("click", function () {
        var form = button.closest("form");
        var status = form.querySelector("[data-geolocate-status]");
        if (status) status.textContent = button.dataset.locating || "";
        navigator.geolocation.getCurrentPosition(function (position) {
          var lat = form.querySelector("[data-lat]");
          var lon = form.querySelector("[data-lon]");
          // Three decimals: about 100 m. The position goes into a URL that may be shared or saved.
          lat.value = position.coords.latitude.toFixed(3);
          lon.value = position.coords.longitude.toFixed(3);
          lat.disabled = false;
          lon.disabled = false;
          var where = form.querySelector("[name=where]");
          if (where) where.value = "";
          if (status) status.textContent = "";
          form.requestSubmit();
        }, function () {
          if (status) status.textContent = button.dataset.denied || "";
          var where = form.querySelector("[name=where]");
          if (where) where.focus();
        }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 });
      });
    });
  }

  function setUpPrint(root) {
    root.querySelectorAll("[data-print]").forEach(function (button) {
      if (button.dataset.enhanced) return;
      button.dataset.enhanced = "true";
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
      // The button does what the hint says: show one of them, not both.
      root.querySelectorAll("[data-print-hint]").forEach(function (hint) { hint.hidden = true; });
    });
  }

  // Leaflet is loaded only when a page has a map, so list pages stay light.
  var leafletLoading = null;
  function loadLeaflet() {
    if (window.L && window.L.markerClusterGroup) return Promise.resolve();
    if (leafletLoading) return leafletLoading;
    function css(href) {
      var link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = href;
      document.head.appendChild(link);
    }
    function js(src) {
      return new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = src;
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    css("/static/vendor/leaflet/leaflet.css");
    css("/static/vendor/markercluster/MarkerCluster.css");
    css("/static/vendor/markercluster/MarkerCluster.Default.css");
    leafletLoading = js("/static/vendor/leaflet/leaflet.js").then(function () {
      return js("/static/vendor/markercluster/leaflet.markercluster.js");
    });
    return leafletLoading;
  }

  function setUpMaps(root) {
    root.querySelectorAll("[data-map]").forEach(function (element) {
      if (element.dataset.enhanced) return;
      element.dataset.enhanced = "true";
      var data = element.parentNode.querySelector("[data-map-points]");
      var points = data ? JSON.parse(data.textContent || "[]") : [];
      if (!points.length) return;
      loadLeaflet().then(function () {
        var L = window.L;
        element.textContent = "";
        var map = L.map(element, { scrollWheelZoom: false, maxZoom: 18 });
        L.tileLayer(element.dataset.tiles, {
          attribution: element.dataset.attribution,
          maxZoom: 18
        }).addTo(map);
        var box = L.latLngBounds(points.map(function (point) { return [point.lat, point.lon]; }));
        // The searched place and the distance searched within, so the markers read as "near here".
        var origin = null;
        if (element.dataset.originLat && element.dataset.originLon) {
          origin = [parseFloat(element.dataset.originLat), parseFloat(element.dataset.originLon)];
          box.extend(origin);
          if (element.dataset.radiusKm) {
            var km = parseFloat(element.dataset.radiusKm);
            L.circle(origin, { radius: km * 1000, fill: false, weight: 2, interactive: false }).addTo(map);
            // The ring's box by hand: a circle knows its bounds only once the map has a view.
            var dLat = km / 111.0, dLon = km / (111.32 * Math.cos(origin[0] * Math.PI / 180));
            box.extend([origin[0] - dLat, origin[1] - dLon]);
            box.extend([origin[0] + dLat, origin[1] + dLon]);
          }
          L.circleMarker(origin, { radius: 9, weight: 3, color: "#8a1c1c", fillOpacity: 0.9 })
            .bindTooltip(element.dataset.originLabel || "", { permanent: false })
            .addTo(map);
        }
        // The view first: clusters need it. Several activities at one place make an empty box:
        // centre on it instead of zooming in forever.
        if (box.getNorthEast().equals(box.getSouthWest())) map.setView(box.getCenter(), 14);
        else map.fitBounds(box, { padding: [24, 24], maxZoom: 16 });
        var cluster = L.markerClusterGroup();
        points.forEach(function (point) {
          var marker = L.marker([point.lat, point.lon], { title: point.name, alt: point.name });
          var link = document.createElement("a");
          link.href = point.url;
          link.textContent = point.name;
          marker.bindPopup(link);
          cluster.addLayer(marker);
        });
        map.addLayer(cluster);
      }, function () { /* Leaflet did not load: the list below the map still shows every place */ });
    });
  }

  function enhance(root) {
    setUpFilters(root);
    setUpGeolocation(root);
    setUpPrint(root);
    setUpMaps(root);
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });

  var focusedId = null;
  document.addEventListener("htmx:beforeSwap", function () {
    var filters = document.getElementById("filters");
    if (filters) filtersOpen = filters.open;
    var active = document.activeElement;
    focusedId = active && active.id ? active.id : null;
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    // htmx fires afterSettle on every settled element (out-of-band ones too) with the same detail.
    if (!target || target.id !== "search-form" || event.target !== target) return;
    enhance(target);
    var heading = document.getElementById("results-heading");
    // A changed filter keeps its focus (the same control, found by id, in the new content); a new
    // search or a followed link moves focus to the results heading, so keyboard and screen reader
    // users land on the answer.
    var config = event.detail.requestConfig || {};
    var submitted = config.triggeringEvent && config.triggeringEvent.type === "submit";
    var same = !submitted && focusedId ? document.getElementById(focusedId) : null;
    if (same && same.matches("input, select")) {
      same.focus();
    } else if (heading) {
      heading.focus();
    }
    if (heading) announce(heading.textContent.trim());
  });
})();

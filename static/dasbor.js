// Reloads the dashboard every 30 seconds; the page works the same without it.
setTimeout(function () { window.location.reload(); }, 30000);

#include "view.hpp"

#include <kiosktwin/sim/simulation.hpp>
#include <kiosktwin/world/kiosk_rig.hpp>

#include <backends/imgui_impl_opengl2.h>
#include <imgui.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <stdexcept>

namespace kiosktwin::panel {

sf::Color colour_of(world::KioskState s) noexcept {
    switch (s) {
    case world::KioskState::idle: return {67, 160, 71};
    case world::KioskState::in_session: return {30, 136, 229};
    case world::KioskState::degraded: return {251, 192, 45};
    case world::KioskState::fault: return {229, 57, 53};
    case world::KioskState::offline: return {97, 97, 97};
    }
    return sf::Color::Black;
}

namespace {

constexpr const char* k_consumables[] = {"receipt_paper", "a4_paper", "toner"};
constexpr const char* k_toxics[] = {"timeout", "latency", "bandwidth", "reset_peer", "slow_close", "slicer", "limit_data"};

sf::Color persona_colour(world::Persona p) {
    switch (p) {
    case world::Persona::young: return {0, 137, 123};
    case world::Persona::elderly: return {142, 36, 170};
    case world::Persona::agent: return {121, 85, 72};
    case world::Persona::first_time: return {245, 124, 0};
    }
    return sf::Color::Black;
}
const sf::Color k_abandoned{211, 47, 47};
// The panel's windows tile the screen and draw no background of their own:
// the frame is cleared to their colour once (a software renderer under Xvfb
// pays for every blended pixel).
const sf::Color k_background{18, 19, 23};
constexpr ImGuiWindowFlags k_no_bg = ImGuiWindowFlags_NoBackground;
const sf::Color k_technician{33, 33, 33};

ImU32 im(sf::Color c, int alpha = 255) { return IM_COL32(c.r, c.g, c.b, alpha); }
ImVec4 im4(sf::Color c) { return ImVec4(c.r / 255.f, c.g / 255.f, c.b / 255.f, 1.f); }

// A civil clock for the panel: "第1天 周一 10:30:05" / "Day 1 Mon 10:30:05".
std::string clock_text(const sim::Calendar& cal, sim::Time t, bool en) {
    static const char* zh_days[] = {"周一", "周二", "周三", "周四", "周五", "周六", "周日"};
    static const char* en_days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    const sim::CivilTime c = cal.civil(t);
    const long day = static_cast<long>(cal.day_index(t)) + 1;
    char buf[96];
    if (en) std::snprintf(buf, sizeof buf, "Day %ld %s %02d:%02d:%02d", day, en_days[(c.iso_weekday + 6) % 7], c.hour, c.minute, c.second);
    else std::snprintf(buf, sizeof buf, "第%ld天 %s %02d:%02d:%02d", day, zh_days[(c.iso_weekday + 6) % 7], c.hour, c.minute, c.second);
    return buf;
}

std::string hhmm(const sim::Calendar& cal, sim::Time t) {
    const sim::CivilTime c = cal.civil(t);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02d:%02d", c.hour, c.minute);
    return buf;
}

void quad(sf::VertexArray& va, sf::Vector2f a, sf::Vector2f b, sf::Vector2f c, sf::Vector2f d, sf::Color col) {
    va.append({a, col});
    va.append({b, col});
    va.append({c, col});
    va.append({a, col});
    va.append({c, col});
    va.append({d, col});
}

void rect(sf::VertexArray& va, sf::Vector2f p0, sf::Vector2f p1, sf::Color col) {
    quad(va, p0, {p1.x, p0.y}, p1, {p0.x, p1.y}, col);
}

void line(sf::VertexArray& va, sf::Vector2f a, sf::Vector2f b, float w, sf::Color col) {
    const sf::Vector2f d = b - a;
    const float len = std::hypot(d.x, d.y);
    if (len <= 0) return;
    const sf::Vector2f n{-d.y / len * w / 2, d.x / len * w / 2};
    quad(va, a + n, b + n, b - n, a - n, col);
}

// A disc as one textured quad (sf::Quads: four vertices).
void sprite(sf::VertexArray& va, sf::Vector2f c, float r, sf::Color col, float tex) {
    const sf::Vector2f p0{c.x - r, c.y - r}, p1{c.x + r, c.y + r};
    va.append({p0, col, {0, 0}});
    va.append({{p1.x, p0.y}, col, {tex, 0}});
    va.append({p1, col, {tex, tex}});
    va.append({{p0.x, p1.y}, col, {0, tex}});
}

void rect_quad(sf::VertexArray& va, sf::Vector2f c, float r, sf::Color col) {
    va.append({{c.x - r, c.y - r}, col});
    va.append({{c.x + r, c.y - r}, col});
    va.append({{c.x + r, c.y + r}, col});
    va.append({{c.x - r, c.y + r}, col});
}

}  // namespace

struct View::Impl {
    unsigned width, height;
    ImGuiContext* ctx = nullptr;
    ImFont* font = nullptr;
    ImFont* big = nullptr;
    sf::Texture disc;
    float disc_size = 64;
    bool first = true;

    // Floor view: the rectangle it gets and the pan / zoom on it.
    sf::FloatRect floor_px;
    float zoom = 1, pan_x = 0, pan_y = 0;
    float scale = 1, ox = 0, oy = 0;  // metres -> pixels
    bool dragging = false;
    sf::Vector2i drag_from;
    std::size_t site_drawn = static_cast<std::size_t>(-1);
    std::vector<sf::Vector2f> kiosk_px;

    Scene scene;
    sf::VertexArray statics{sf::Triangles}, dynamics{sf::Triangles}, people{sf::Quads};

    KioskTap* tap = nullptr;  // the kiosk window's taps, this frame

    // Fault injection form.
    int inj_kind = 1, inj_kiosk = 0, inj_device = 2, inj_fault = 0, inj_consumable = 0, inj_toxic = 0;
    float inj_level = 0.02f, inj_value = 0, inj_minutes = 5;

    bool en = false;
    const char* T(const char* zh, const char* en_text) {
        if (en) return en_text;
        need(zh);
        return zh;
    }

    sf::Vector2f px(double x, double y) const {
        return {floor_px.left + ox + static_cast<float>(x) * scale, floor_px.top + oy + static_cast<float>(y) * scale};
    }

    void layout(const SiteGeometry& g, bool kiosk_open) {
        const float top = 46, W = static_cast<float>(width), H = static_cast<float>(height);
        const float right = std::floor(W * 0.62f);
        const float floor_w = kiosk_open ? right - 440 : right;
        floor_px = {0, top, floor_w, std::floor(H * 0.66f) - top - 50};
        const float pad = 16, head = 40;  // the site's line and kiosk labels above the back wall
        const float s0 = std::min((floor_px.width - 2 * pad) / static_cast<float>(g.plan.width_m),
                                  (floor_px.height - pad - head) / static_cast<float>(g.plan.depth_m));
        scale = s0 * zoom;
        ox = (floor_px.width - static_cast<float>(g.plan.width_m) * scale) / 2 + pan_x;
        oy = head + (floor_px.height - pad - head - static_cast<float>(g.plan.depth_m) * scale) / 2 + pan_y;
    }

    // Fonts: the CJK glyphs of every text known so far. Text met later (a
    // kiosk's pages, captions) adds its missing glyphs before the next frame.
    std::string font_file, glyph_text, missing;
    ImVector<ImWchar> ranges;
    bool fonts_built = false;
    void load_fonts() {
        ImGuiIO& io = ImGui::GetIO();
        io.Fonts->Clear();
        ImFontGlyphRangesBuilder b;
        b.AddRanges(io.Fonts->GetGlyphRangesChineseSimplifiedCommon());
        b.AddText(glyph_text.c_str());
        ranges.clear();
        b.BuildRanges(&ranges);
        ImFontConfig cfg;
        cfg.FontNo = 2;  // Noto Sans CJK's .ttc: 0 JP, 1 KR, 2 SC, 3 TC, 4 HK
        if (font_file.size() < 4 || font_file.substr(font_file.size() - 4) != ".ttc") cfg.FontNo = 0;
        cfg.OversampleH = 1;
        cfg.OversampleV = 1;
        font = io.Fonts->AddFontFromFileTTF(font_file.c_str(), 17.0f, &cfg, ranges.Data);
        big = io.Fonts->AddFontFromFileTTF(font_file.c_str(), 24.0f, &cfg, ranges.Data);
        if (font == nullptr || big == nullptr || !io.Fonts->Build()) throw std::runtime_error("cannot load the font " + font_file);
    }
    /// Notes the glyphs of `text` the fonts lack.
    void need(std::string_view text) {
        for (std::size_t i = 0; i < text.size();) {
            const auto b0 = static_cast<unsigned char>(text[i]);
            const int n = b0 < 0x80 ? 1 : b0 >> 5 == 6 ? 2 : b0 >> 4 == 14 ? 3 : 4;
            if (i + static_cast<std::size_t>(n) > text.size()) break;
            unsigned int c = n == 1 ? b0 : n == 2 ? b0 & 0x1Fu : n == 3 ? b0 & 0x0Fu : b0 & 0x07u;
            for (int k = 1; k < n; ++k) c = (c << 6) | (static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]) & 0x3Fu);
            if (c >= 0x80 && c <= 0xFFFF && font->FindGlyphNoFallback(static_cast<ImWchar>(c)) == nullptr)
                missing.append(text.substr(i, static_cast<std::size_t>(n)));
            i += static_cast<std::size_t>(n);
        }
    }
    /// Rebuilds the fonts if glyphs were missing; true if it did.
    bool add_missing_glyphs() {
        if (missing.empty()) return false;
        glyph_text += missing;
        missing.clear();
        ImGui_ImplOpenGL2_DestroyFontsTexture();
        load_fonts();
        ImGui_ImplOpenGL2_CreateFontsTexture();
        return true;
    }

    void draw_floor(sf::RenderTarget& target, const SiteGeometry& g);
    void draw_labels(const SiteGeometry& g, const Feed& feed);
    void draw_legend();
    void top_bar(Feed& feed, Controls& c, const std::string& title);
    void instruments(Feed& feed, Controls& c);
    void captions(Feed& feed);
    void injection(Feed& feed, Controls& c);
    void kiosk_window(Feed& feed, Controls& c);
    void placement_map(Feed& feed, Controls& c);

    const PlacementShown* placement = nullptr;
};

View::View(unsigned width, unsigned height, const std::string& font_file, const std::vector<std::string>& extra_text)
    : m(std::make_unique<Impl>()) {
    m->width = width;
    m->height = height;
    m->ctx = ImGui::CreateContext();
    ImGui::SetCurrentContext(m->ctx);
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.LogFilename = nullptr;
    io.DisplaySize = ImVec2(static_cast<float>(width), static_cast<float>(height));
    std::error_code ec;
    if (!std::filesystem::is_regular_file(font_file, ec))
        throw std::runtime_error("no CJK font at " + font_file + " (Debian: apt-get install fonts-noto-cjk; or --font FILE)");
    m->font_file = font_file;
    m->glyph_text = "政务服务自助终端办件量吞吐等候排队时长分布利用率热力图开机在线故障工单满意度控制暂停单步速度最快种子场景注入"
                    "设备耗材毒性网关停电恢复字幕事件技术员帮办入口排队区空闲办理中降级离线老年青年代办首次放弃已完成失败"
                    "页面按钮灰显原因链路会话步骤收据纸打印机身份证阅读器扫码人脸文档摄像头碳粉秒分钟小时天周一二三四五六日"
                    "×•—…≤≥·←→↑↓％■宕帧";
    for (const std::string& t : extra_text) m->glyph_text += t;
    m->load_fonts();
    ImGui::StyleColorsDark();
    ImGuiStyle& st = ImGui::GetStyle();
    st.WindowBorderSize = 1;
    // Axis-aligned rectangles and plots need no anti-aliased fringes: without
    // them ImGui emits a third of the vertices for the heat map and charts.
    st.AntiAliasedFill = false;
    st.AntiAliasedLinesUseTex = true;
    st.Colors[ImGuiCol_Border] = ImVec4(0.30f, 0.32f, 0.38f, 1);
    st.WindowRounding = 3;
    st.FrameRounding = 2;
    st.WindowPadding = ImVec2(8, 6);
    st.ItemSpacing = ImVec2(6, 4);
    map_keys();
    if (!ImGui_ImplOpenGL2_Init()) throw std::runtime_error("the ImGui OpenGL2 backend did not start");
    m->fonts_built = true;

    // A soft disc for people, tinted per vertex.
    const unsigned n = 64;
    sf::Image img;
    img.create(n, n, sf::Color::Transparent);
    for (unsigned y = 0; y < n; ++y)
        for (unsigned x = 0; x < n; ++x) {
            const float dx = static_cast<float>(x) + 0.5f - n / 2.f, dy = static_cast<float>(y) + 0.5f - n / 2.f;
            const float d = std::sqrt(dx * dx + dy * dy);
            const float a = std::clamp(n / 2.f - d, 0.f, 1.f);
            const bool ring = d > n / 2.f - 9;
            img.setPixel(x, y, sf::Color(ring ? 40 : 255, ring ? 40 : 255, ring ? 40 : 255, static_cast<sf::Uint8>(a * 255)));
        }
    m->disc.loadFromImage(img);
    m->disc.setSmooth(true);
    m->disc_size = static_cast<float>(n);
}

View::~View() {
    ImGui::SetCurrentContext(m->ctx);
    ImGui_ImplOpenGL2_Shutdown();
    ImGui::DestroyContext(m->ctx);
}

void View::resize(unsigned width, unsigned height) {
    m->width = width;
    m->height = height;
}

bool View::glyphs_pending() const noexcept { return !m->missing.empty(); }

sf::Vector2f View::kiosk_pixel(std::size_t k) const { return k < m->kiosk_px.size() ? m->kiosk_px[k] : sf::Vector2f{}; }

void View::Impl::draw_floor(sf::RenderTarget& target, const SiteGeometry& g) {
    statics.clear();
    const world::FloorPlan& p = g.plan;
    // The room, its walls, queue areas, entrances and help desks.
    rect(statics, px(0, 0), px(p.width_m, p.depth_m), {236, 233, 226});
    const float wall = std::max(2.f, 0.2f * scale);
    const sf::Color wall_c{69, 74, 87};
    line(statics, px(0, 0), px(p.width_m, 0), wall, wall_c);
    line(statics, px(0, 0), px(0, p.depth_m), wall, wall_c);
    line(statics, px(p.width_m, 0), px(p.width_m, p.depth_m), wall, wall_c);
    line(statics, px(0, p.depth_m), px(p.width_m, p.depth_m), wall, wall_c);
    for (const world::Area& a : p.queue_areas)
        rect(statics, px(std::min(a.from.x, a.to.x), std::min(a.from.y, a.to.y)), px(std::max(a.from.x, a.to.x), std::max(a.from.y, a.to.y)),
             {187, 222, 251});
    for (const world::Segment& w : p.walls) line(statics, px(w.from.x, w.from.y), px(w.to.x, w.to.y), wall, wall_c);
    for (const world::Point& e : p.entrances) {  // a gap in the wall, drawn as a green door
        const bool front = e.y >= p.depth_m - 0.5, back = e.y <= 0.5;
        if (front || back) rect(statics, px(e.x - 0.9, e.y - 0.25), px(e.x + 0.9, e.y + 0.25), {46, 125, 50});
        else rect(statics, px(e.x - 0.25, e.y - 0.9), px(e.x + 0.25, e.y + 0.9), {46, 125, 50});
    }
    for (const world::Point& d : p.help_desks) rect(statics, px(d.x - 0.5, d.y - 0.35), px(d.x + 0.5, d.y + 0.35), {255, 167, 38});
    target.draw(statics);

    // Kiosks by state.
    dynamics.clear();
    kiosk_px.assign(p.kiosks.size(), {});
    const float kr = 0.4f;
    for (std::size_t k = 0; k < p.kiosks.size(); ++k) {
        const world::Point& at = p.kiosks[k];
        // The kiosk body stands behind the spot in front of its screen.
        const double cy = std::max(0.45, at.y - 0.25);
        const world::KioskState st = k < scene.kiosks.size() ? scene.kiosks[k].state : world::KioskState::idle;
        const sf::Vector2f a = px(at.x - kr, cy - kr), b = px(at.x + kr, cy + kr);
        rect(dynamics, {a.x - 1, a.y - 1}, {b.x + 1, b.y + 1}, {33, 33, 33});
        rect(dynamics, a, b, colour_of(st));
        kiosk_px[k] = px(at.x, cy);
    }
    target.draw(dynamics);

    // People: citizens, technicians.
    people.clear();
    const float r = std::max(2.5f, 0.24f * scale);
    // Small people are plain squares (no texture to sample); larger ones discs.
    const bool plain = r < 4;
    if (plain) {
        for (const SceneCitizen& c : scene.citizens) {
            const sf::Color col = c.abandoned ? k_abandoned : persona_colour(c.persona);
            const sf::Vector2f at = px(c.x, c.y);
            if (c.helped) rect_quad(people, at, r + 1.5f, {255, 167, 38});
            rect_quad(people, at, r, col);
        }
        for (const SceneStaff& t : scene.technicians) rect_quad(people, px(t.x, t.y), r + 1, k_technician);
        target.draw(people);
        return;
    }
    for (const SceneCitizen& c : scene.citizens) {
        const sf::Color col = c.abandoned ? k_abandoned : persona_colour(c.persona);
        if (c.helped) sprite(people, px(c.x, c.y), r * 1.45f, {255, 167, 38}, disc_size);
        sprite(people, px(c.x, c.y), r, col, disc_size);
    }
    for (const SceneStaff& t : scene.technicians) sprite(people, px(t.x, t.y), r * 1.2f, k_technician, disc_size);
    sf::RenderStates rs;
    rs.texture = &disc;
    target.draw(people, rs);
}

void View::Impl::draw_labels(const SiteGeometry& g, const Feed& feed) {
    ImDrawList* dl = ImGui::GetBackgroundDrawList();
    dl->PushClipRect(ImVec2(floor_px.left, floor_px.top), ImVec2(floor_px.left + floor_px.width, floor_px.top + floor_px.height));
    const world::FloorPlan& p = g.plan;
    const float fs = 15.f;
    auto label = [&](sf::Vector2f at, const char* text, ImU32 col, bool centre = true) {
        const ImVec2 sz = font->CalcTextSizeA(fs, 1e9f, 0, text);
        const ImVec2 pos(centre ? at.x - sz.x / 2 : at.x, at.y - sz.y / 2);
        dl->AddRectFilled(ImVec2(pos.x - 2, pos.y), ImVec2(pos.x + sz.x + 2, pos.y + sz.y), IM_COL32(255, 255, 255, 190), 2);
        dl->AddText(font, fs, pos, col, text);
    };
    for (const world::Point& e : p.entrances) label(px(e.x, e.y - 1.0), T("入口", "Entrance"), IM_COL32(27, 94, 32, 255));
    for (const world::Area& a : p.queue_areas)
        label(px((a.from.x + a.to.x) / 2, std::max(a.from.y, a.to.y)) - sf::Vector2f(0, 10), T("排队区", "Queue area"),
              IM_COL32(13, 71, 161, 255));
    for (const world::Point& d : p.help_desks) label(px(d.x, d.y + 0.8), T("帮办", "Help desk"), IM_COL32(191, 54, 12, 255));
    const float kiosk_px_size = 0.8f * scale;
    if (kiosk_px_size >= 9)
        for (std::size_t k = 0; k < kiosk_px.size() && k < g.kiosk_ids.size(); ++k) {
            const std::string& id = g.kiosk_ids[k];
            const std::string short_id = id.substr(id.find_last_of('-') + 1);
            const ImVec2 sz = font->CalcTextSizeA(12.f, 1e9f, 0, short_id.c_str());
            // Below the spot where the citizen stands.
            const sf::Vector2f at = kiosk_px[k] + sf::Vector2f(-sz.x / 2, 1.25f * scale);
            dl->AddRectFilled(ImVec2(at.x - 1, at.y), ImVec2(at.x + sz.x + 1, at.y + sz.y), IM_COL32(255, 255, 255, 170), 2);
            dl->AddText(font, 12.f, ImVec2(at.x, at.y), IM_COL32(40, 40, 40, 255), short_id.c_str());
        }
    // Site name and the line.
    char buf[160];
    std::snprintf(buf, sizeof buf, "%s %s · %s %zu · %s %zu", g.id.c_str(), g.name.c_str(), T("排队", "waiting"), scene.waiting,
                  T("场内", "inside"), scene.citizens.size());
    dl->AddText(font, 17.f, ImVec2(floor_px.left + 8, floor_px.top + 4), IM_COL32(230, 230, 230, 255), buf);
    dl->PopClipRect();
    (void)feed;
}

void View::Impl::draw_legend() {
    ImDrawList* dl = ImGui::GetBackgroundDrawList();
    float x = 8;
    float y = floor_px.top + floor_px.height + 4;
    auto item = [&](ImU32 col, const char* text, bool round) {
        const float need = 18 + font->CalcTextSizeA(15.f, 1e9f, 0, text).x + 12;
        if (x + need > floor_px.left + floor_px.width) {
            x = 8;
            y += 22;
        }
        if (round) dl->AddCircleFilled(ImVec2(x + 7, y + 9), 6, col);
        else dl->AddRectFilled(ImVec2(x, y + 2), ImVec2(x + 14, y + 16), col);
        x += 18;
        dl->AddText(font, 15.f, ImVec2(x, y), IM_COL32(225, 225, 225, 255), text);
        x += font->CalcTextSizeA(15.f, 1e9f, 0, text).x + 12;
    };
    item(im(colour_of(world::KioskState::idle)), T("空闲", "idle"), false);
    item(im(colour_of(world::KioskState::in_session)), T("办理中", "in session"), false);
    item(im(colour_of(world::KioskState::degraded)), T("降级", "degraded"), false);
    item(im(colour_of(world::KioskState::fault)), T("故障", "fault"), false);
    item(im(colour_of(world::KioskState::offline)), T("离线", "offline"), false);
    x += 8;
    item(im(persona_colour(world::Persona::young)), T("青年", "young"), true);
    item(im(persona_colour(world::Persona::elderly)), T("老年", "elderly"), true);
    item(im(persona_colour(world::Persona::agent)), T("代办", "agent"), true);
    item(im(persona_colour(world::Persona::first_time)), T("首次", "first time"), true);
    item(IM_COL32(255, 167, 38, 255), T("帮办中", "helped"), true);
    item(im(k_abandoned), T("放弃离开", "gave up"), true);
    item(im(k_technician), T("技术员", "technician"), true);
}

void View::Impl::top_bar(Feed& feed, Controls& c, const std::string& title) {
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(static_cast<float>(width), 46));
    ImGui::Begin("##top", nullptr,
                 ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings | k_no_bg |
                     ImGuiWindowFlags_NoScrollbar);
    ImGui::PushFont(big);
    if (feed.live()) {  // the platform's civil time: a date, not a day of a run
        const sim::CivilTime ct = feed.scenario().world.calendar.civil(feed.now());
        ImGui::Text("%04d-%02d-%02d %02d:%02d:%02d", ct.year, ct.month, ct.day, ct.hour, ct.minute, ct.second);
    } else {
        ImGui::TextUnformatted(clock_text(feed.scenario().world.calendar, feed.now(), en).c_str());
    }
    ImGui::PopFont();
    ImGui::SameLine(0, 18);
    ImGui::AlignTextToFramePadding();
    ImGui::Text("%s", title.c_str());
    ImGui::SameLine(0, 18);
    if (feed.live()) {
        ImGui::TextColored(ImVec4(0.4f, 0.85f, 0.4f, 1), "%s", T("● 实时：墙钟 1×，真实端口", "● live: wall clock 1×, real ports"));
    } else {
        if (ImGui::Button(c.paused ? T("继续", "Run") : T("暂停", "Pause"))) c.paused = !c.paused;
        ImGui::SameLine();
        if (ImGui::Button(T("单步", "Step"))) c.step = true;
    }
    static const char* speed_names[] = {"1×", "10×", "60×", "600×", nullptr};
    for (std::size_t i = 0; i < std::size(k_speeds) && !feed.live(); ++i) {
        ImGui::SameLine();
        const bool on = c.speed == k_speeds[i];
        if (on) ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.16f, 0.45f, 0.75f, 1));
        if (ImGui::Button(speed_names[i] ? speed_names[i] : T("最快", "Max"))) c.speed = k_speeds[i];
        if (on) ImGui::PopStyleColor();
    }
    if (placement != nullptr) {
        ImGui::SameLine(0, 14);
        if (c.placement_view) ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.16f, 0.45f, 0.75f, 1));
        if (ImGui::Button(T("选址", "Placement"))) c.placement_view = !c.placement_view;
        if (c.placement_view) ImGui::PopStyleColor();
    }
    if (feed.sites().size() > 1) {
        ImGui::SameLine(0, 14);
        ImGui::SetNextItemWidth(150);
        if (ImGui::BeginCombo("##site", feed.sites()[c.site]->id.c_str())) {
            for (std::size_t s = 0; s < feed.sites().size(); ++s)
                if (ImGui::Selectable((feed.sites()[s]->id + " " + feed.sites()[s]->name).c_str(), s == c.site)) c.site = s;
            ImGui::EndCombo();
        }
    }
    if (feed.seekable()) {
        ImGui::SameLine(0, 14);
        float t = static_cast<float>(sim::to_hours(feed.now().time_since_epoch()));
        ImGui::SetNextItemWidth(260);
        if (ImGui::SliderFloat("##seek", &t, 0, static_cast<float>(sim::to_hours(feed.end().time_since_epoch())), T("%.2f 小时", "%.2f h")))
            c.seek = sim::Time{sim::from_hours(t)};
    } else if (!c.scenario_files.empty() && !feed.live()) {
        ImGui::SameLine(0, 14);
        ImGui::SetNextItemWidth(190);
        if (ImGui::BeginCombo("##scenario", T("场景…", "Scenario…"))) {
            for (const std::string& f : c.scenario_files)
                if (ImGui::Selectable(std::filesystem::path(f).filename().string().c_str())) c.load_scenario = f;
            ImGui::EndCombo();
        }
        ImGui::SameLine();
        ImGui::SetNextItemWidth(120);
        ImGui::InputScalar(T("种子", "seed"), ImGuiDataType_S64, &c.seed);
        if (ImGui::IsItemDeactivatedAfterEdit()) c.reseed = true;
    }
    ImGui::SameLine(static_cast<float>(width) - 70);
    if (ImGui::Button(en ? "中文" : "EN")) c.english = !c.english;
    ImGui::End();
}

void View::Impl::instruments(Feed& feed, Controls& c) {
    const float x = std::floor(static_cast<float>(width) * 0.62f);
    ImGui::SetNextWindowPos(ImVec2(x, 46));
    ImGui::SetNextWindowSize(ImVec2(static_cast<float>(width) - x, static_cast<float>(height) - 46));
    ImGui::Begin(T("运行指标###instruments", "Instruments###instruments"), nullptr,
                 ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings | k_no_bg);
    const Instruments& in = feed.instruments();
    const double hours = std::max(1.0 / 60, sim::to_hours(feed.now().time_since_epoch()));
    const double mttr = in.tickets_closed ? in.mttr_sum_min / static_cast<double>(in.tickets_closed) : 0;
    auto share = [](std::uint64_t a, std::uint64_t b) { return b ? 100.0 * static_cast<double>(a) / static_cast<double>(b) : 100.0; };
    const std::size_t open_tickets = feed.tickets().size();
    const std::array<double, 3> wq = in.wait_quantiles();
    if (ImGui::BeginTable("kpis", 4, ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchSame)) {
        auto cell = [&](const char* name, const char* fmt, double v) {
            ImGui::TableNextColumn();
            ImGui::TextDisabled("%s", name);
            ImGui::Text(fmt, v);
        };
        cell(T("办件量", "Cases"), "%.0f", static_cast<double>(in.cases));
        cell(T("服务人次", "Served"), "%.0f", static_cast<double>(in.served));
        cell(T("吞吐 (人/时)", "Throughput /h"), "%.1f", static_cast<double>(in.served) / hours);
        cell(T("放弃", "Gave up"), "%.0f", static_cast<double>(in.abandoned));
        cell(T("等候中位 (分)", "Wait p50 (min)"), "%.1f", wq[0]);
        cell(T("等候P90 (分)", "Wait p90 (min)"), "%.1f", wq[1]);
        cell(T("等候P95 (分)", "Wait p95 (min)"), "%.1f", wq[2]);
        cell(T("排队人数", "Waiting now"), "%.0f", static_cast<double>(scene.waiting));
        cell(T("开机率 %", "Powered %"), "%.1f", share(in.powered_minutes, in.kiosk_minutes));
        cell(T("在线率 %", "Online %"), "%.1f", share(in.online_minutes, in.kiosk_minutes));
        cell(T("故障率 %", "Faulty %"), "%.2f", in.kiosk_minutes ? share(in.fault_minutes, in.kiosk_minutes) : 0.0);
        cell(T("满意度 %", "Satisfied %"), "%.1f", share(in.rated_good, in.rated));
        cell(T("未结工单", "Open tickets"), "%.0f", static_cast<double>(open_tickets));
        cell(T("已结工单", "Closed tickets"), "%.0f", static_cast<double>(in.tickets_closed));
        cell(T("平均修复 (分)", "MTTR (min)"), "%.0f", mttr);
        cell(T("评价数", "Ratings"), "%.0f", static_cast<double>(in.rated));
        ImGui::EndTable();
    }
    const float w = ImGui::GetContentRegionAvail().x;
    const float half = (w - 8) / 2;
    char overlay[96];
    // Throughput and 办件量 per 15 minutes, the last 12 hours.
    {
        const std::size_t n = in.throughput.size(), from = n > 48 ? n - 48 : 0;
        float top = 1, top_cases = 1;
        for (std::size_t i = from; i < n; ++i) {
            top = std::max(top, in.throughput[i]);
            top_cases = std::max(top_cases, in.cases_per_bucket[i]);
        }
        ImGui::BeginGroup();
        ImGui::TextUnformatted(T("每15分钟服务人次 / 办件量 (近12小时)", "Served / cases per 15 min (last 12 h)"));
        std::snprintf(overlay, sizeof overlay, "%s %.0f", T("服务峰值", "served, peak"), static_cast<double>(top));
        ImGui::PlotHistogram("##tp", n ? in.throughput.data() + from : nullptr, static_cast<int>(n - from), 0, overlay, 0, top * 1.1f,
                             ImVec2(half, 30));
        std::snprintf(overlay, sizeof overlay, "%s %.0f", T("办件峰值", "cases, peak"), static_cast<double>(top_cases));
        ImGui::PlotHistogram("##cases", n ? in.cases_per_bucket.data() + from : nullptr, static_cast<int>(n - from), 0, overlay, 0,
                             top_cases * 1.1f, ImVec2(half, 30));
        ImGui::EndGroup();
    }
    ImGui::SameLine(0, 8);
    {
        const auto& q = in.queue[std::min(c.site, in.queue.size() - 1)];
        const std::size_t n = q.size(), from = n > 240 ? n - 240 : 0;
        float top = 1;
        for (std::size_t i = from; i < n; ++i) top = std::max(top, q[i]);
        ImGui::BeginGroup();
        ImGui::TextUnformatted(T("排队人数 (近4小时)", "Waiting (last 4 h)"));
        std::snprintf(overlay, sizeof overlay, "%s %.0f", T("最多", "max"), static_cast<double>(top));
        ImGui::PlotLines("##queue", n ? q.data() + from : nullptr, static_cast<int>(n - from), 0, overlay, 0, top * 1.1f, ImVec2(half, 64));
        ImGui::EndGroup();
    }
    // Waiting-time distribution, 2-minute bins to 40 minutes.
    {
        std::array<float, 20> bins{};
        for (float v : in.waits_min) bins[std::min<std::size_t>(19, static_cast<std::size_t>(v / 2))] += 1;
        float top = 1;
        for (float b : bins) top = std::max(top, b);
        ImGui::TextUnformatted(T("等候时长分布 (0–40分，每格2分)", "Waiting time (0–40 min, 2-min bins)"));
        std::snprintf(overlay, sizeof overlay, "p50 %.1f  p90 %.1f  p95 %.1f", wq[0], wq[1], wq[2]);
        ImGui::PlotHistogram("##waits", bins.data(), static_cast<int>(bins.size()), 0, overlay, 0, top * 1.15f, ImVec2(half, 64));
    }
    ImGui::SameLine(0, 8);
    {
        ImGui::BeginGroup();
        ImGui::TextUnformatted(T("会话结果", "Session outcomes"));
        const char* names[] = {T("完成", "done"), T("降级完成", "degraded"), T("放弃", "abandoned"), T("失败", "failed")};
        const sf::Color cols[] = {{67, 160, 71}, {251, 192, 45}, {158, 158, 158}, {229, 57, 53}};
        std::uint64_t total = 0;
        for (auto o : in.outcomes) total += o;
        ImDrawList* dl = ImGui::GetWindowDrawList();
        const ImVec2 p0 = ImGui::GetCursorScreenPos();
        for (std::size_t i = 0; i < 4; ++i) {
            const float y = p0.y + static_cast<float>(i) * 16;
            const float f = total ? static_cast<float>(in.outcomes[i]) / static_cast<float>(total) : 0;
            dl->AddRectFilled(ImVec2(p0.x + 78, y + 2), ImVec2(p0.x + 78 + f * (half - 150), y + 14), im(cols[i]));
            dl->AddText(ImVec2(p0.x, y - 1), IM_COL32(220, 220, 220, 255), names[i]);
            char v[32];
            std::snprintf(v, sizeof v, "%llu", static_cast<unsigned long long>(in.outcomes[i]));
            dl->AddText(ImVec2(p0.x + 82 + f * (half - 150), y - 1), IM_COL32(220, 220, 220, 255), v);
        }
        ImGui::Dummy(ImVec2(half, 64));
        ImGui::EndGroup();
    }
    // Availability over time.
    {
        ImGui::TextUnformatted(T("开机率 / 在线率 / 故障率 (每分钟)", "Powered / online / faulty share (per minute)"));
        const std::size_t n = in.online_share.size(), from = n > 480 ? n - 480 : 0;
        const float third = (w - 16) / 3;
        auto plot = [&](const char* id, const std::vector<float>& v, const char* name, float lo, float hi) {
            if (v.empty()) std::snprintf(overlay, sizeof overlay, "%s —", name);
            else std::snprintf(overlay, sizeof overlay, "%s %.1f%%", name, 100.0 * v.back());
            ImGui::PlotLines(id, v.empty() ? nullptr : v.data() + from, static_cast<int>(v.size() - from), 0, overlay, lo, hi,
                             ImVec2(third, 46));
        };
        plot("##powered", in.powered_share, T("开机", "powered"), 0.5f, 1.02f);
        ImGui::SameLine(0, 8);
        plot("##online", in.online_share, T("在线", "online"), 0.5f, 1.02f);
        ImGui::SameLine(0, 8);
        plot("##fault", in.fault_share, T("故障", "faulty"), 0.f, 0.5f);
    }
    // Utilisation heat map: kiosks x hours of the current day.
    {
        ImGui::TextUnformatted(T("终端利用率热力图 (今日每小时)", "Kiosk utilisation heat map (hours of today)"));
        const auto& busy = in.busy[std::min(c.site, in.busy.size() - 1)];
        const std::size_t hour_now = static_cast<std::size_t>(sim::to_hours(feed.now().time_since_epoch()));
        const std::size_t day0 = hour_now / 24 * 24;
        const std::size_t nk = busy.size();
        const float avail = ImGui::GetContentRegionAvail().y - 6;
        const float left = 52, cw = (w - left - 60) / 24;
        // One row per kiosk while they fit at 5 px or more; else each row is
        // the mean of a group of kiosks.
        const std::size_t fit = static_cast<std::size_t>(std::max(1.f, (avail - 22) / 5));
        const std::size_t per = nk <= fit ? 1 : (nk + fit - 1) / fit;
        const std::size_t nrows = (nk + per - 1) / per;
        const float ch = std::clamp((avail - 22) / static_cast<float>(std::max<std::size_t>(1, nrows)), 5.f, 14.f);
        ImDrawList* dl = ImGui::GetWindowDrawList();
        const ImVec2 p0 = ImGui::GetCursorScreenPos();
        auto heat = [](float f) {  // dark blue -> teal -> yellow -> red
            f = std::clamp(f, 0.f, 1.f);
            const float r = std::clamp(2 * f - 0.4f, 0.f, 1.f), g = f < 0.75f ? 0.25f + f : 1.0f - (f - 0.75f) * 2.4f,
                        b = std::clamp(0.6f - f, 0.f, 1.f);
            return IM_COL32(static_cast<int>(40 + 215 * r), static_cast<int>(255 * std::clamp(g, 0.f, 1.f)), static_cast<int>(60 + 195 * b), 255);
        };
        const auto& ids = feed.sites()[c.site]->kiosk_ids;
        auto short_id = [&](std::size_t k) { return ids[k].substr(ids[k].find_last_of('-') + 1); };
        for (std::size_t row = 0; row < nrows; ++row) {
            const float y = p0.y + static_cast<float>(row) * ch;
            const std::size_t k0 = row * per, k1 = std::min(nk, k0 + per);
            for (std::size_t h = 0; h < 24; ++h) {
                const std::size_t hh = day0 + h;
                float f = 0;
                for (std::size_t k = k0; k < k1; ++k) f += hh < busy[k].size() ? busy[k][hh] / 60.f : 0.f;
                f /= static_cast<float>(k1 - k0);
                const ImU32 col = hh > hour_now ? IM_COL32(45, 45, 50, 255) : heat(f);
                dl->AddRectFilled(ImVec2(p0.x + left + static_cast<float>(h) * cw, y),
                                  ImVec2(p0.x + left + (static_cast<float>(h) + 1) * cw - 1, y + ch - (ch > 4 ? 1 : 0)), col);
            }
            if (ch >= 11 || row == 0 || row + 1 == nrows) {
                const std::string label = per == 1 ? short_id(k0) : short_id(k0) + "…";
                dl->AddText(font, std::min(14.f, std::max(11.f, ch)), ImVec2(p0.x, y - 1), IM_COL32(200, 200, 200, 255), label.c_str());
            }
        }
        if (per > 1) {
            char note[64];
            std::snprintf(note, sizeof note, T("每行 %zu 台平均", "rows: means of %zu kiosks"), per);
            dl->AddText(font, 13.f, ImVec2(p0.x + left + 24 * cw - 130, p0.y - 18), IM_COL32(200, 200, 200, 255), note);
        }
        const float by = p0.y + static_cast<float>(nrows) * ch + 3;
        for (std::size_t h = 0; h < 24; h += 3) {
            char t[8];
            std::snprintf(t, sizeof t, "%02zu", h);
            dl->AddText(font, 13.f, ImVec2(p0.x + left + static_cast<float>(h) * cw, by), IM_COL32(200, 200, 200, 255), t);
        }
        // The scale.
        const float sx = p0.x + left + 24 * cw + 8;
        for (int i = 0; i < 20; ++i)
            dl->AddRectFilled(ImVec2(sx, p0.y + static_cast<float>(19 - i) * 4), ImVec2(sx + 12, p0.y + static_cast<float>(20 - i) * 4), heat(i / 19.f));
        dl->AddText(font, 13.f, ImVec2(sx + 15, p0.y - 2), IM_COL32(200, 200, 200, 255), "100%");
        dl->AddText(font, 13.f, ImVec2(sx + 15, p0.y + 68), IM_COL32(200, 200, 200, 255), "0%");
        ImGui::Dummy(ImVec2(w, std::max(84.f, static_cast<float>(nrows) * ch + 20)));
    }
    ImGui::End();
}

void View::Impl::captions(Feed& feed) {
    const float right = std::floor(static_cast<float>(width) * 0.62f);
    const float y = std::floor(static_cast<float>(height) * 0.66f);
    const float w = std::floor(right * 0.55f);
    ImGui::SetNextWindowPos(ImVec2(0, y));
    ImGui::SetNextWindowSize(ImVec2(w, static_cast<float>(height) - y));
    ImGui::Begin(T("字幕与工单###captions", "Captions and tickets###captions"), nullptr,
                 ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings | k_no_bg);
    const auto& cap = feed.captions();
    const auto& cal = feed.scenario().world.calendar;
    auto text_of = [&](const Feed::Caption& e) -> const std::string& { return en ? (e.en.empty() ? e.zh : e.en) : (e.zh.empty() ? e.en : e.zh); };
    const Feed::Caption* headline = nullptr;
    for (const auto& e : cap)
        if (!text_of(e).empty()) headline = &e;
    if (headline != nullptr) {
        const auto& last = *headline;
        ImGui::PushFont(big);
        ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.86f, 0.35f, 1));
        ImGui::TextWrapped("%s", text_of(last).c_str());
        ImGui::PopStyleColor();
        ImGui::PopFont();
        for (std::size_t i = cap.size() > 4 ? cap.size() - 4 : 0; i < cap.size(); ++i) {
            const auto& e = cap[i];
            ImGui::TextDisabled("%s", hhmm(cal, e.at).c_str());
            ImGui::SameLine();
            const std::string& text = text_of(e);
            if (!e.error.empty()) ImGui::TextColored(ImVec4(0.95f, 0.4f, 0.4f, 1), "%s — %s", e.action.c_str(), e.error.c_str());
            else if (!e.action.empty()) ImGui::Text("%s%s%s", text.c_str(), text.empty() ? "" : " — ", e.action.c_str());
            else ImGui::TextUnformatted(text.c_str());
        }
    } else {
        ImGui::TextDisabled("%s", T("（暂无事件）", "(no events yet)"));
    }
    ImGui::Separator();
    const auto tickets = feed.tickets();
    ImGui::Text("%s: %zu", T("未结故障工单", "Open fault tickets"), tickets.size());
    static const char* stages_zh[] = {"发生", "已报告", "已受理", "已到场", "已解决"};
    static const char* stages_en[] = {"occurred", "reported", "acknowledged", "on site", "resolved"};
    if (ImGui::BeginTable("tickets", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
        std::size_t shown_n = 0;
        for (auto it = tickets.rbegin(); it != tickets.rend() && shown_n < 6; ++it, ++shown_n) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(it->kiosk.c_str());
            ImGui::TableNextColumn();
            ImGui::Text("%s %s", it->device.c_str(), it->fault.c_str());
            ImGui::TableNextColumn();
            ImGui::Text("L%d", it->severity);
            ImGui::TableNextColumn();
            const auto st = static_cast<std::size_t>(it->stage);
            ImGui::Text(en ? "%s · since %s" : "%s · %s 发生", en ? stages_en[st] : stages_zh[st], hhmm(cal, it->occurred).c_str());
        }
        ImGui::EndTable();
    }
    ImGui::End();
}

void View::Impl::injection(Feed& feed, Controls& c) {
    const float right = std::floor(static_cast<float>(width) * 0.62f);
    const float y = std::floor(static_cast<float>(height) * 0.66f);
    const float x = std::floor(right * 0.55f);
    ImGui::SetNextWindowPos(ImVec2(x, y));
    ImGui::SetNextWindowSize(ImVec2(right - x, static_cast<float>(height) - y));
    ImGui::Begin(T("故障注入###inject", "Fault injection###inject"), nullptr,
                 ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings | k_no_bg);
    if (!feed.world() && !feed.live()) {
        ImGui::TextWrapped("%s", T("回放不可注入故障：请用场景运行。", "A replay cannot be changed: run the scenario to inject faults."));
        ImGui::End();
        return;
    }
    static const char* kinds_zh[] = {"字幕", "设备故障", "清除故障", "耗材余量", "链路毒性", "清除毒性", "网关宕机", "断电", "上电"};
    const auto& kind_names = world::inject_kind_names();
    const SiteGeometry& g = *feed.sites()[c.site];
    ImGui::SetNextItemWidth(150);
    if (ImGui::BeginCombo(T("动作", "Action"), en ? kind_names[static_cast<std::size_t>(inj_kind)].c_str() : kinds_zh[inj_kind])) {
        for (int i = 1; i < static_cast<int>(kind_names.size()); ++i)
            if (ImGui::Selectable(en ? kind_names[static_cast<std::size_t>(i)].c_str() : kinds_zh[i], i == inj_kind)) inj_kind = i;
        ImGui::EndCombo();
    }
    const auto kind = static_cast<world::InjectKind>(inj_kind);
    inj_kiosk = std::clamp(inj_kiosk, 0, static_cast<int>(g.kiosk_ids.size()) - 1);
    if (kind != world::InjectKind::gateway_outage) {
        ImGui::SameLine();
        ImGui::SetNextItemWidth(120);
        if (ImGui::BeginCombo(T("终端", "Kiosk"), g.kiosk_ids[static_cast<std::size_t>(inj_kiosk)].c_str())) {
            for (int k = 0; k < static_cast<int>(g.kiosk_ids.size()); ++k)
                if (ImGui::Selectable(g.kiosk_ids[static_cast<std::size_t>(k)].c_str(), k == inj_kiosk)) inj_kiosk = k;
            ImGui::EndCombo();
        }
    }
    const auto kiosk_index = static_cast<std::size_t>(inj_kiosk);
    world::Injection a;
    a.kind = kind;
    a.site = c.site;
    a.kiosk = kiosk_index;
    if (kind == world::InjectKind::device_fault || kind == world::InjectKind::clear_faults) {
        const std::vector<std::string> fitted = feed.fitted(c.site, kiosk_index);
        if (std::find(fitted.begin(), fitted.end(), k_device_kinds[inj_device]) == fitted.end() && !fitted.empty())
            for (int i = 0; i < static_cast<int>(std::size(k_device_kinds)); ++i)
                if (fitted.front() == k_device_kinds[i]) inj_device = i;
        ImGui::SetNextItemWidth(170);
        if (ImGui::BeginCombo(T("设备", "Device"), k_device_kinds[inj_device])) {
            for (int i = 0; i < static_cast<int>(std::size(k_device_kinds)); ++i)
                if (std::find(fitted.begin(), fitted.end(), k_device_kinds[i]) != fitted.end() &&
                    ImGui::Selectable(k_device_kinds[i], i == inj_device)) {
                    inj_device = i;
                    inj_fault = 0;
                }
            ImGui::EndCombo();
        }
        a.device = k_device_kinds[inj_device];
        if (kind == world::InjectKind::device_fault) {
            const std::vector<std::string> known = feed.known_faults(c.site, kiosk_index, a.device);
            inj_fault = std::clamp(inj_fault, 0, std::max(0, static_cast<int>(known.size()) - 1));
            ImGui::SameLine();
            ImGui::SetNextItemWidth(170);
            if (!known.empty() && ImGui::BeginCombo(T("故障", "Fault"), known[static_cast<std::size_t>(inj_fault)].c_str())) {
                for (int i = 0; i < static_cast<int>(known.size()); ++i)
                    if (ImGui::Selectable(known[static_cast<std::size_t>(i)].c_str(), i == inj_fault)) inj_fault = i;
                ImGui::EndCombo();
            }
            if (!known.empty()) a.fault = known[static_cast<std::size_t>(inj_fault)];
        }
    } else if (kind == world::InjectKind::consumable) {
        ImGui::SetNextItemWidth(150);
        ImGui::Combo(T("耗材", "Consumable"), &inj_consumable, k_consumables, static_cast<int>(std::size(k_consumables)));
        ImGui::SameLine();
        ImGui::SetNextItemWidth(120);
        ImGui::SliderFloat(T("余量", "Level"), &inj_level, 0, 1, "%.2f");
        a.consumable = k_consumables[inj_consumable];
        a.level = inj_level;
    } else if (kind == world::InjectKind::toxic) {
        ImGui::SetNextItemWidth(130);
        ImGui::Combo(T("毒性", "Toxic"), &inj_toxic, k_toxics, static_cast<int>(std::size(k_toxics)));
        ImGui::SameLine();
        ImGui::SetNextItemWidth(100);
        ImGui::InputFloat(T("参数", "Value"), &inj_value, 0, 0, "%.0f");
        a.toxic = k_toxics[inj_toxic];
        a.value = std::max(0.f, inj_value);
    }
    if (kind == world::InjectKind::toxic || kind == world::InjectKind::gateway_outage || kind == world::InjectKind::power_cut) {
        ImGui::SetNextItemWidth(110);
        ImGui::InputFloat(T("分钟 (0=直到清除)", "Minutes (0 = until cleared)"), &inj_minutes, 1, 5, "%.0f");
        a.lasts = sim::from_minutes(std::max(0.f, inj_minutes));
    }
    if (ImGui::Button(T("注入", "Inject"), ImVec2(90, 0))) c.inject = a;
    ImGui::SameLine();
    if (ImGui::Button(T("断网5分钟", "Black-hole 5 min"))) {
        world::Injection b = a;
        b.kind = world::InjectKind::toxic;
        b.toxic = "timeout";
        b.value = 0;
        b.lasts = std::chrono::minutes(5);
        c.inject = b;
    }
    ImGui::SameLine();
    if (ImGui::Button(T("网关宕机5分钟", "Gateway down 5 min"))) {
        world::Injection b;
        b.kind = world::InjectKind::gateway_outage;
        b.lasts = std::chrono::minutes(5);
        c.inject = b;
    }
    if (!c.last_result.empty())
        ImGui::TextColored(c.last_ok ? ImVec4(0.5f, 0.9f, 0.5f, 1) : ImVec4(0.95f, 0.4f, 0.4f, 1), "%s", c.last_result.c_str());
    ImGui::End();
}

void View::Impl::kiosk_window(Feed& feed, Controls& c) {
    if (c.open_kiosk.empty()) return;
    const float right = std::floor(static_cast<float>(width) * 0.62f);
    const float y1 = std::floor(static_cast<float>(height) * 0.66f);
    ImGui::SetNextWindowPos(ImVec2(right - 440, 46));
    ImGui::SetNextWindowSize(ImVec2(440, y1 - 46));
    bool open = true;
    const std::string title = std::string(T("终端 ", "Kiosk ")) + c.open_kiosk + "###kiosk";
    ImGui::Begin(title.c_str(), &open, ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings | k_no_bg);
    if (!open) c.open_kiosk.clear();
    const SiteGeometry& g = *feed.sites()[c.site];
    std::size_t k = g.kiosk_ids.size();
    for (std::size_t i = 0; i < g.kiosk_ids.size(); ++i)
        if (g.kiosk_ids[i] == c.open_kiosk) k = i;
    static const char* states_zh[] = {"空闲", "办理中", "降级", "故障", "离线"};
    static const char* states_en[] = {"idle", "in session", "degraded", "fault", "offline"};
    if (k < scene.kiosks.size()) {
        const auto st = scene.kiosks[k].state;
        ImGui::TextColored(im4(colour_of(st)), "■ %s", en ? states_en[static_cast<int>(st)] : states_zh[static_cast<int>(st)]);
    }
    const std::optional<KioskDetail> detail = k < g.kiosk_ids.size() ? feed.detail(c.site, k) : std::nullopt;
    if (!detail) {
        ImGui::TextWrapped("%s", T("回放只记录了状态，没有屏幕与设备帧。", "A replay keeps states only: no screen or device frames."));
        ImGui::End();
        return;
    }
    // The screen as the citizen sees it.
    const kiosk::Screen& s = *detail->screen;
    need(s.title_zh);
    need(s.notice);
    for (const auto& l : s.lines) need(l);
    for (const auto& o : s.options) need(o.zh);
    if (tap)
        for (const auto& st : tap->steps) need(st.page_zh);
    ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(0.93f, 0.95f, 0.98f, 1));
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.1f, 0.1f, 0.15f, 1));
    ImGui::BeginChild("screen", ImVec2(0, 170), true);
    ImGui::PushFont(big);
    ImGui::TextUnformatted(std::string(en ? s.title_en : s.title_zh).c_str());
    ImGui::PopFont();
    for (std::size_t i = 0; i < s.lines.size() && i < 3; ++i) ImGui::TextWrapped("%s", s.lines[i].c_str());
    if (!s.notice.empty()) ImGui::TextColored(ImVec4(0.7f, 0.2f, 0.1f, 1), "%s", s.notice.c_str());
    ImGui::PopStyleColor();
    ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.10f, 0.42f, 0.75f, 1));
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 1, 1, 1));
    for (const kiosk::Option& o : s.options) {
        const std::string label = std::string(en ? o.en : o.zh);
        if (!o.enabled) {
            ImGui::BeginDisabled();
            ImGui::SmallButton(label.c_str());
            ImGui::EndDisabled();
            if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("%s", std::string(o.why_disabled).c_str());
            ImGui::SameLine();
            ImGui::TextColored(ImVec4(0.45f, 0.45f, 0.45f, 1), "(%s)", std::string(o.why_disabled).c_str());
        } else {
            ImGui::SmallButton(label.c_str());
        }
        if (ImGui::GetContentRegionAvail().x > 140 && &o != &s.options.back()) ImGui::SameLine();
    }
    ImGui::PopStyleColor(2);
    ImGui::EndChild();
    ImGui::PopStyleColor();
    // Devices.
    if (ImGui::BeginTable("devices", 3, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
        for (const DeviceRow& row : detail->devices) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(row.kind.c_str());
            ImGui::TableNextColumn();
            if (!row.fitted) {
                ImGui::TextDisabled("ABSENT");
                ImGui::TableNextColumn();
                continue;
            }
            const ImVec4 col = row.health == devices::Health::ok     ? ImVec4(0.4f, 0.85f, 0.4f, 1)
                               : row.health == devices::Health::warn ? ImVec4(0.98f, 0.75f, 0.18f, 1)
                                                                     : ImVec4(0.95f, 0.35f, 0.3f, 1);
            ImGui::TextColored(col, "%s %s", devices::to_string(row.health), row.reasons.c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(row.consumables.c_str());
        }
        ImGui::EndTable();
    }
    std::string toxics;
    for (const auto& t : detail->toxics) toxics += (toxics.empty() ? "" : ", ") + t;
    ImGui::Text("%s: %s", T("链路毒性", "Link toxics"), toxics.empty() ? T("无", "none") : toxics.c_str());
    if (!detail->note.empty()) ImGui::TextDisabled("%s", detail->note.c_str());
    // The session's steps and the last device frames.
    ImGui::TextDisabled("%s", T("本次会话步骤", "This session's steps"));
    std::string trail;
    if (tap)
        for (const auto& st : tap->steps) trail += (trail.empty() ? "" : " → ") + (en ? st.page_en : st.page_zh);
    ImGui::TextWrapped("%s", trail.empty() ? "—" : trail.c_str());
    ImGui::TextDisabled("%s", T("最近设备帧（已解码）", "Last decoded device frames"));
    ImGui::BeginChild("frames", ImVec2(0, 0), false);
    const auto& cal = feed.scenario().world.calendar;
    if (tap)
        for (auto it = tap->frames.records.rbegin(); it != tap->frames.records.rend(); ++it) {
        std::string f = it->frame.dump();
        if (f.size() > 70) f = f.substr(0, 67) + "...";
        const sim::CivilTime ct = cal.civil(it->t);
        ImGui::Text("%02d:%02d:%02d %-3s %s %s", ct.hour, ct.minute, ct.second, it->dir.c_str(), it->device.substr(it->device.find('/') + 1).c_str(), f.c_str());
    }
    ImGui::EndChild();
    ImGui::End();
}

FrameCost View::frame(sf::RenderTarget& target, Feed& feed, Controls& c, KioskTap& tap, double dt, const std::string& title) {
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    ImGui::SetCurrentContext(m->ctx);
    m->en = c.english;
    c.site = std::min(c.site, feed.sites().size() - 1);
    if (m->add_missing_glyphs()) m->first = true;
    const SiteGeometry& g = *feed.sites()[c.site];
    if (m->site_drawn != c.site) {
        m->zoom = 1;
        m->pan_x = m->pan_y = 0;
        m->site_drawn = c.site;
    }
    feed.fill(c.site, m->scene);
    tap.follow(feed, c.open_kiosk);
    m->tap = &tap;
    const auto t1 = clock::now();

    m->layout(g, !c.open_kiosk.empty());
    target.clear(k_background);
    if (c.placement_view && m->placement == nullptr) c.placement_view = false;
    if (!c.placement_view) {  // the floor, clipped to its rectangle when panned or zoomed
        const sf::View before = target.getView();
        const float W = static_cast<float>(m->width), H = static_cast<float>(m->height);
        sf::View clip(m->floor_px);
        clip.setViewport({m->floor_px.left / W, m->floor_px.top / H, m->floor_px.width / W, m->floor_px.height / H});
        target.setView(clip);
        m->draw_floor(target, g);
        target.setView(before);
    }

    target.pushGLStates();
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(static_cast<float>(m->width), static_cast<float>(m->height));
    io.DeltaTime = static_cast<float>(std::max(1e-4, dt));
    ImGui_ImplOpenGL2_NewFrame();
    ImGui::NewFrame();
    ImGui::PushFont(m->font);
    if (c.placement_view) {
        m->placement_map(feed, c);
    } else {
        m->draw_labels(g, feed);
        m->draw_legend();
    }
    m->top_bar(feed, c, title);
    m->instruments(feed, c);
    m->captions(feed);
    m->injection(feed, c);
    m->kiosk_window(feed, c);
    ImGui::PopFont();
    ImGui::Render();
    ImGui_ImplOpenGL2_RenderDrawData(ImGui::GetDrawData());
    target.popGLStates();
    const auto t2 = clock::now();
    return {std::chrono::duration<double, std::milli>(t1 - t0).count(), std::chrono::duration<double, std::milli>(t2 - t1).count()};
}

void View::set_placement(const PlacementShown* placement) noexcept { m->placement = placement; }

PlacementShown::PlacementShown(nlohmann::json result_, placement::City city_)
    : result(std::move(result_)), city(std::move(city_)), map(placement::city_map(city)) {
    for (const auto& s : result["sites"]) {
        const std::string id = s["id"].get<std::string>();
        for (const auto& k : city.problem.candidates)
            if (k.id == id) radius_m[id] = placement::radius_at(city.problem, k.x, k.y);
    }
}

// The placement view, in the floor's rectangle: the map on the left (demand
// heat on 400 m blocks, candidates, existing sites, chosen sites with their
// ranks and coverage circles) and the ranked sites with their KPIs on the
// right: the simulated ones from the placement, and the live feed's own for
// the sites of the world shown (a row's button shows that site's floor).
void View::Impl::placement_map(Feed& feed, Controls& c) {
    const placement::Problem& p = placement->city.problem;
    const placement::CityMap& map = placement->map;
    const nlohmann::json& result = placement->result;
    ImDrawList* dl = ImGui::GetBackgroundDrawList();
    const float map_w = std::floor(floor_px.width * 0.55f);
    const ImVec2 a(floor_px.left + 8, floor_px.top + 8), b(floor_px.left + map_w - 8, floor_px.top + floor_px.height - 8);
    dl->AddRectFilled(a, b, IM_COL32(250, 250, 247, 255));
    const float sc = static_cast<float>(std::min((b.x - a.x) / (map.x1 - map.x0), (b.y - a.y) / (map.y1 - map.y0)));
    const float ox = a.x + ((b.x - a.x) - static_cast<float>(map.x1 - map.x0) * sc) / 2;
    const float oy = a.y + ((b.y - a.y) - static_cast<float>(map.y1 - map.y0) * sc) / 2;
    auto at = [&](double x, double y) {
        return ImVec2(ox + static_cast<float>(x - map.x0) * sc, oy + static_cast<float>(map.y1 - y) * sc);  // north up
    };
    for (const auto& blk : map.blocks) {
        const float t = static_cast<float>(std::sqrt(blk.visits_day / map.max_block));  // light yellow to dark red
        const ImU32 col = IM_COL32(255, static_cast<int>(245 - 200 * t), static_cast<int>(200 - 190 * t), 255);
        dl->AddRectFilled(at(blk.x, blk.y + map.block_m), at(blk.x + map.block_m, blk.y), col);
    }
    std::map<std::string, const nlohmann::json*> chosen;
    for (const auto& s : result["sites"]) chosen[s["id"].get<std::string>()] = &s;
    for (const auto& k : p.candidates)
        if (!chosen.count(k.id)) dl->AddCircleFilled(at(k.x, k.y), 2.5f, IM_COL32(120, 120, 120, 255));
    for (const auto& k : p.candidates) {
        const auto it = chosen.find(k.id);
        if (it == chosen.end()) continue;
        const ImVec2 q = at(k.x, k.y);
        const bool existing = k.existing;
        const ImU32 col = existing ? IM_COL32(33, 80, 160, 255) : IM_COL32(200, 30, 45, 255);
        dl->AddCircle(q, static_cast<float>(placement->radius_m.at(k.id)) * sc, col, 64, 2);
        if (existing) dl->AddRectFilled(ImVec2(q.x - 5, q.y - 5), ImVec2(q.x + 5, q.y + 5), col);
        else {
            dl->AddCircleFilled(q, 5.5f, col);
            const std::string rank = std::to_string((*it->second)["rank"].get<int>());
            dl->AddText(ImVec2(q.x + 7, q.y - 16), col, rank.c_str());
        }
    }
    for (const auto& label : map.districts) {
        need(label.name);
        const ImVec2 q = at(label.x, label.y);
        const ImVec2 size = ImGui::CalcTextSize(label.name.c_str());
        dl->AddText(ImVec2(q.x - size.x / 2, q.y - 24), IM_COL32(30, 30, 30, 255), label.name.c_str());
    }
    const float bar = 1000 * sc;  // 1 km
    dl->AddLine(ImVec2(a.x + 10, b.y - 14), ImVec2(a.x + 10 + bar, b.y - 14), IM_COL32(40, 40, 40, 255), 2);
    dl->AddText(ImVec2(a.x + 16 + bar, b.y - 22), IM_COL32(40, 40, 40, 255), "1 km");

    // The sites and their KPIs.
    ImGui::SetNextWindowPos(ImVec2(floor_px.left + map_w, floor_px.top));
    ImGui::SetNextWindowSize(ImVec2(floor_px.width - map_w, floor_px.height));
    ImGui::Begin(T("选址结果", "Placement"), nullptr,
                 ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings);
    const nlohmann::json& cov = result["coverage"];
    const bool cover = result["problem"]["objective"] == "max_cover";
    ImGui::TextWrapped("%s %s · %s %.1f %%%s", T("目标", "Objective"),
                       cover ? T("最大覆盖", "maximal covering") : T("P-中位", "p-median"), T("与界差距", "gap to bound"),
                       100 * result["solution"]["gap"].get<double>(),
                       result["solution"]["optimal"].get<bool>() ? T("（已证最优）", " (proven optimal)") : "");
    ImGui::TextWrapped("%s %.0f → %.0f / %.0f (%.1f %% → %.1f %%)", T("日覆盖访问", "Visits a day covered"),
                       cov["covered_before_day"].get<double>(), cov["covered_visits_day"].get<double>(),
                       cov["total_visits_day"].get<double>(), 100 * cov["covered_before_share"].get<double>(),
                       100 * cov["covered_share"].get<double>());
    ImGui::TextWrapped("%s %.0f m → %.0f m · %s %.0f", T("平均距离", "Mean distance"), cov["mean_distance_before_m"].get<double>(),
                       cov["mean_distance_m"].get<double>(), T("成本", "cost"), cov["cost"].get<double>());
    std::map<std::string, const nlohmann::json*> simulated;
    if (result["simulation"].is_object())
        for (const auto& k : result["simulation"]["sites"]) simulated[k["id"].get<std::string>()] = &k;
    std::vector<std::size_t> waiting(feed.sites().size(), 0);  // who waits at each site now
    if (const world::World* w = feed.world())
        w->visit_floor([&](const world::CitizenOnFloor& f) {
            if (f.site < waiting.size() && f.phase == world::CitizenPhase::waiting) ++waiting[f.site];
        });
    if (ImGui::BeginTable("placement_sites", 7, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp | ImGuiTableFlags_ScrollY)) {
        ImGui::TableSetupScrollFreeze(0, 1);
        ImGui::TableSetupColumn("#");
        ImGui::TableSetupColumn(T("站点", "Site"));
        ImGui::TableSetupColumn(T("日访问", "Visits/day"));
        ImGui::TableSetupColumn(T("终端", "Kiosks"));
        ImGui::TableSetupColumn(T("等候 分", "Wait, min"));
        ImGui::TableSetupColumn(T("放弃 %", "Gave up %"));
        ImGui::TableSetupColumn(T("现在排队", "Queue now"));
        ImGui::TableHeadersRow();
        for (const auto& s : result["sites"]) {
            const std::string id = s["id"].get<std::string>();
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(s["existing"].get<bool>() ? "-" : std::to_string(s["rank"].get<int>()).c_str());
            ImGui::TableNextColumn();
            std::size_t index = feed.sites().size();
            for (std::size_t k = 0; k < feed.sites().size(); ++k)
                if (feed.sites()[k]->id == id) index = k;
            const std::string label = id + " " + s["name"].get<std::string>();
            need(label);
            if (index < feed.sites().size()) {
                if (ImGui::SmallButton(label.c_str())) {
                    c.site = index;
                    c.placement_view = false;
                }
            } else {
                ImGui::TextUnformatted(label.c_str());
            }
            ImGui::TableNextColumn();
            ImGui::Text("%.1f", s["visits_day"].get<double>());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(s.contains("kiosks") ? s["kiosks"].dump().c_str() : "-");
            const auto sim_it = simulated.find(id);
            auto ci = [&](const char* key, int decimals) {
                ImGui::TableNextColumn();
                if (sim_it == simulated.end() || !(*sim_it->second)[key]["mean"].is_number()) {
                    ImGui::TextUnformatted("-");
                    return;
                }
                const nlohmann::json& v = (*sim_it->second)[key];
                if (v["ci95_half_width"].is_number())
                    ImGui::Text("%.*f ± %.*f", decimals, v["mean"].get<double>(), decimals, v["ci95_half_width"].get<double>());
                else
                    ImGui::Text("%.*f", decimals, v["mean"].get<double>());
            };
            ci("wait_mean_min", 2);
            ci("gave_up_pct", 1);
            ImGui::TableNextColumn();
            if (index < feed.sites().size() && feed.world() != nullptr) {
                ImGui::Text("%zu", waiting[index]);
            } else {
                ImGui::TextUnformatted("-");
            }
        }
        ImGui::EndTable();
    }
    ImGui::End();
}

void View::on_event(const sf::Event& e, Feed& feed, Controls& c) {
    ImGui::SetCurrentContext(m->ctx);
    ImGuiIO& io = ImGui::GetIO();
    switch (e.type) {
    case sf::Event::MouseMoved:
        io.MousePos = ImVec2(static_cast<float>(e.mouseMove.x), static_cast<float>(e.mouseMove.y));
        if (m->dragging) {
            m->pan_x += static_cast<float>(e.mouseMove.x - m->drag_from.x);
            m->pan_y += static_cast<float>(e.mouseMove.y - m->drag_from.y);
            m->drag_from = {e.mouseMove.x, e.mouseMove.y};
        }
        break;
    case sf::Event::MouseButtonPressed:
    case sf::Event::MouseButtonReleased: {
        const bool down = e.type == sf::Event::MouseButtonPressed;
        const int b = e.mouseButton.button == sf::Mouse::Left ? 0 : e.mouseButton.button == sf::Mouse::Right ? 1 : 2;
        io.MouseDown[b] = down;
        const sf::Vector2f at(static_cast<float>(e.mouseButton.x), static_cast<float>(e.mouseButton.y));
        if (!down) m->dragging = false;
        if (!down || io.WantCaptureMouse || !m->floor_px.contains(at)) break;
        if (b == 0) {  // a click on a kiosk opens it
            const SiteGeometry& g = *feed.sites()[c.site];
            const float reach = std::max(10.f, 0.6f * m->scale);
            for (std::size_t k = 0; k < m->kiosk_px.size() && k < g.kiosk_ids.size(); ++k)
                if (std::hypot(m->kiosk_px[k].x - at.x, m->kiosk_px[k].y - at.y) < reach) c.open_kiosk = g.kiosk_ids[k];
        } else {
            m->dragging = true;
            m->drag_from = {e.mouseButton.x, e.mouseButton.y};
        }
        break;
    }
    case sf::Event::MouseWheelScrolled:
        if (io.WantCaptureMouse) io.MouseWheel += e.mouseWheelScroll.delta;
        else {  // zoom about the cursor
            const float f = e.mouseWheelScroll.delta > 0 ? 1.15f : 1 / 1.15f;
            const float mx = static_cast<float>(e.mouseWheelScroll.x) - m->floor_px.left, my = static_cast<float>(e.mouseWheelScroll.y) - m->floor_px.top;
            const float wx = (mx - m->ox) / m->scale, wy = (my - m->oy) / m->scale;
            m->zoom = std::clamp(m->zoom * f, 0.3f, 40.f);
            const SiteGeometry& g = *feed.sites()[c.site];
            m->layout(g, !c.open_kiosk.empty());
            m->pan_x += mx - (m->ox + wx * m->scale);
            m->pan_y += my - (m->oy + wy * m->scale);
        }
        break;
    case sf::Event::TextEntered:
        if (e.text.unicode >= 32 && e.text.unicode != 127) io.AddInputCharacter(e.text.unicode);
        break;
    case sf::Event::KeyPressed:
    case sf::Event::KeyReleased: {
        const bool down = e.type == sf::Event::KeyPressed;
        if (e.key.code >= 0 && e.key.code < sf::Keyboard::KeyCount) io.KeysDown[e.key.code] = down;
        io.KeyCtrl = e.key.control;
        io.KeyShift = e.key.shift;
        io.KeyAlt = e.key.alt;
        if (down && !io.WantCaptureKeyboard) {
            if (e.key.code == sf::Keyboard::Space) c.paused = !c.paused;
            if (e.key.code == sf::Keyboard::Home) m->zoom = 1, m->pan_x = m->pan_y = 0;
        }
        break;
    }
    case sf::Event::Resized: resize(e.size.width, e.size.height); break;
    default: break;
    }
}

void View::map_keys() {
    ImGuiIO& io = ImGui::GetIO();
    io.KeyMap[ImGuiKey_Tab] = sf::Keyboard::Tab;
    io.KeyMap[ImGuiKey_LeftArrow] = sf::Keyboard::Left;
    io.KeyMap[ImGuiKey_RightArrow] = sf::Keyboard::Right;
    io.KeyMap[ImGuiKey_UpArrow] = sf::Keyboard::Up;
    io.KeyMap[ImGuiKey_DownArrow] = sf::Keyboard::Down;
    io.KeyMap[ImGuiKey_Home] = sf::Keyboard::Home;
    io.KeyMap[ImGuiKey_End] = sf::Keyboard::End;
    io.KeyMap[ImGuiKey_Delete] = sf::Keyboard::Delete;
    io.KeyMap[ImGuiKey_Backspace] = sf::Keyboard::Backspace;
    io.KeyMap[ImGuiKey_Enter] = sf::Keyboard::Enter;
    io.KeyMap[ImGuiKey_Escape] = sf::Keyboard::Escape;
    io.KeyMap[ImGuiKey_A] = sf::Keyboard::A;
    io.KeyMap[ImGuiKey_C] = sf::Keyboard::C;
    io.KeyMap[ImGuiKey_V] = sf::Keyboard::V;
    io.KeyMap[ImGuiKey_X] = sf::Keyboard::X;
}

}  // namespace kiosktwin::panel
